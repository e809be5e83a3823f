"""Annotating batches of source documents with a loaded pipeline, one failure at a time.

A batch goes through ``nlp.pipe`` at once; if it fails, its documents are retried one by
one, so a single bad document becomes one reject (with its id and the error) and the rest
of the batch is still annotated. The results are plain picklable tuples, so the same code
serves the local process pool and Ray.
"""
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ..corpora.bioc import to_bioc_document
from ..corpora.docs import build_doc, doc_mentions
from ..corpora.pubtator import format_pubtator
from ..corpora.records import SourceDocument
from ..extensions import SPANS_KEY


@dataclass
class Result:
    """The outcome for one document: its output (PubTator text or BioCDocument) or an error."""

    doc_id: str
    output: object = None
    error: Optional[str] = None
    mentions: Dict[str, int] = field(default_factory=dict)
    ignored_input_mentions: int = 0


def check_pipeline(model: str) -> None:
    """Raise FileNotFoundError unless `model` is a pipeline folder or an installed pipeline
    package: cheap, so a run can refuse a wrong --model before any process loads it."""
    path = Path(model)
    if path.exists():
        if not (path / "config.cfg").is_file():
            raise FileNotFoundError(f"--model {model}: not a spaCy pipeline folder (no config.cfg in it)")
    elif not spacy.util.is_package(model):
        raise FileNotFoundError(f"--model {model}: no such pipeline folder or installed pipeline package")


class Annotator:
    """Loads the pipeline once (under a task, its encoder quantized if asked) and annotates
    batches of SourceDocuments."""

    def __init__(self, model: str, task: Optional[str] = None, threads: int = 0, quantize: Optional[str] = None,
                 min_score: Optional[float] = None):
        if threads:
            import torch

            torch.set_num_threads(threads)
        overrides = {"components": {}}
        if task:
            overrides["components"]["aioner"] = {"task": task, "tasks": None}
        if min_score is not None:
            overrides["components"].setdefault("aioner", {})["min_score"] = min_score
        if quantize:
            overrides["components"]["aioner_transformer"] = {"quantize": quantize}
        self.nlp: Language = spacy.load(model, config=overrides if overrides["components"] else {})

    def __call__(self, sources: List[SourceDocument], output_format: str = "pubtator") -> List[Result]:
        """Annotate `sources`; outputs are PubTator text or BioCDocuments (`output_format`)."""
        docs, results = [], []
        for source in sources:
            try:
                docs.append(self.make_doc(source))
                results.append(None)
            except Exception as err:  # noqa: BLE001 - reported as a reject, the run goes on
                docs.append(None)
                results.append(Result(source.id, error=f"{type(err).__name__}: {err}"))
        todo = [i for i, doc in enumerate(docs) if doc is not None]
        try:
            annotated = list(self.nlp.pipe([docs[i] for i in todo]))
            for i, doc in zip(todo, annotated):
                results[i] = self._result(sources[i], doc, output_format)
        except Exception:  # noqa: BLE001 - retry one by one to isolate the culprit
            for i in todo:
                try:
                    results[i] = self._result(sources[i], self.nlp(docs[i]), output_format)
                except Exception as err:  # noqa: BLE001
                    results[i] = Result(sources[i].id, error=f"{type(err).__name__}: {err}")
        return results

    def make_doc(self, source: SourceDocument) -> Doc:
        """An unannotated Doc of `source` (its input mentions are not kept), under the pipe's task."""
        length = sum(len(p.text) + 1 for p in source.passages)
        if length > self.nlp.max_length:
            raise ValueError(f"document of {length} characters exceeds nlp.max_length ({self.nlp.max_length})")
        doc = build_doc(self.nlp, source, "ALL", type_map={})  # input mentions are not gold here: none kept
        doc._.aioner_task = None  # the pipe's (or --task) task applies
        del doc.spans[SPANS_KEY]
        return doc

    def _result(self, source: SourceDocument, doc: Doc, output_format: str) -> Result:
        mentions = Counter(span.label_ for _, _, span in doc_mentions(doc))  # what the output holds
        output = format_pubtator(doc) if output_format == "pubtator" else to_bioc_document(doc)
        return Result(source.id, output, mentions=dict(mentions), ignored_input_mentions=len(source.mentions))
