"""Which documents a trainable component learned from, kept in its ``cfg`` so it is saved and
loaded with the component. ``scripts/check_dev_overlap.py`` and the project's `evaluate-tests`
audit it against held-out documents.

Both ``aioner`` and ``aioner_transformer`` keep one: a new ``aioner`` pipe on a sourced encoder
starts an empty record, while the encoder's record goes on from its earlier training.
"""
from typing import Dict, Iterable

from spacy.training import Example


class TrainingRecord:
    """Mixin for a pipe with a ``cfg`` dict: the documents its updates held, by
    ``doc._.aioner_doc_id``, since ``initialize``. Empty documents teach nothing and are not
    counted."""

    cfg: dict

    @property
    def training_docs(self) -> Dict[str, int]:
        """{document id: updates that held it}, since ``initialize`` (a sourced pipe keeps adding
        to its record)."""
        return self.cfg["training_docs"]

    @property
    def training_examples_without_id(self) -> int:
        """Training examples whose document had no ``doc._.aioner_doc_id``, since ``initialize``."""
        return self.cfg["training_examples_without_id"]

    def reset_training_record(self) -> None:
        """Start an empty record (new weights learned from nothing yet)."""
        self.cfg["training_docs"] = {}
        self.cfg["training_examples_without_id"] = 0

    def record_training_docs(self, examples: Iterable[Example]) -> None:
        """Count the document of each non-empty example (or count it as one without an id)."""
        docs = self.cfg["training_docs"]
        for eg in examples:
            if not len(eg.predicted):
                continue
            doc_id = eg.reference._.aioner_doc_id
            if doc_id is None:
                self.cfg["training_examples_without_id"] += 1
            else:
                docs[doc_id] = docs.get(doc_id, 0) + 1
