"""What the service does with the annotation core: texts or PubTator/BioC bodies in, mentions
(JSON), PubTator text or BioC XML out, under the run settings of a request.

Everything but the checks runs on the batcher's single thread.
"""
import tempfile
from pathlib import Path
from typing import List, Optional, Union

from spacy.language import Language
from spacy.tokens import Doc

from ..annotation.annotator import Annotator, Item
from ..annotation.settings import RunSettings, SettingsError
from ..corpora.docs import mention_identifier
from ..corpora.formats import FORMATS
from ..corpora.records import CorpusFormatError, SourceDocument
from ..ents import kept_flags
from ..extensions import SPANS_KEY
from ..scheme import TASKS
from .span_view import render_spans

# displaCy colours of the six types (the page's marks)
COLORS = {"Gene": "#7aecec", "Chemical": "#feca74", "Disease": "#ff9561", "Species": "#aa9cfc",
          "Variant": "#c887fb", "CellLine": "#bfe1d9"}


class BadInput(SettingsError):
    """A request's content cannot be annotated; the message says why (and where)."""


class AnnotationService:
    """A pipeline loaded once (as annotate loads it) and the service's conversions."""

    def __init__(self, model: str, *, quantize: Optional[str] = None, threads: int = 0):
        self.model = model
        self.annotator = Annotator(model, threads=threads, quantize=quantize)
        self.nlp: Language = self.annotator.nlp
        self.pipe = self.nlp.get_pipe("aioner")

    def run(self, settings: RunSettings, items: List[Item]) -> List[Union[Doc, Exception]]:
        """Annotate texts or SourceDocuments under a request's settings (the batcher's key); one
        bad item is one exception in its place."""
        return self.annotator.annotate(items, settings)

    # -- inputs ------------------------------------------------------------------------------
    def check_texts(self, items: List[Item], what: str = "texts") -> None:
        for i, item in enumerate(items):
            problem = self.annotator.too_long(item)
            if problem:
                raise BadInput(f"{what}[{i}]: {problem}")

    def read_documents(self, body: bytes, fmt: str) -> List[SourceDocument]:
        """The documents of a PubTator or BioC XML body, read by the project's own readers;
        BadInput names the line (PubTator) or the XML error."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"body{FORMATS[fmt].output_suffix}"
            path.write_bytes(body)
            try:
                docs = list(FORMATS[fmt].read(path))
            except CorpusFormatError as err:
                where = (f"line {err.line}" if err.line is not None else "") + (
                    f", document {err.doc_id!r}" if err.doc_id is not None else "")
                raise BadInput(f"{fmt} body, {where.lstrip(', ') or 'as a whole'}: {err.problem}") from None
        if not docs:
            raise BadInput(f"{fmt} body: no documents in it")
        return docs

    # -- outputs -----------------------------------------------------------------------------
    def mentions(self, doc: Doc) -> List[dict]:
        """Every mention of ``doc.spans["aioner"]``: offsets, text, type, score (None if unknown),
        the tasks that found it ([] for one a rule added), the linked id if any, whether it is in
        ``doc.ents`` and whether it reaches the threshold."""
        group = doc.spans[SPANS_KEY]
        scores = group.attrs.get("scores") or [None] * len(group)
        tasks = group.attrs.get("tasks") or [[]] * len(group)
        ents = {(e.start_char, e.end_char, e.label_) for e in doc.ents}
        out = []
        for span, score, found_by, kept in zip(group, scores, tasks, kept_flags(group)):
            if score is not None and score != score:  # NaN: no score known
                score = None
            out.append({
                "start": span.start_char, "end": span.end_char, "text": span.text, "type": span.label_,
                "score": score, "tasks": list(found_by or []), "id": mention_identifier(span) or None,
                "in_ents": (span.start_char, span.end_char, span.label_) in ents, "kept": kept,
            })
        return out

    @staticmethod
    def render(doc: Doc) -> str:
        """displaCy's span view of the mentions that reach the threshold (nested ones stacked), the
        text as written, with inline styles only."""
        group = doc.spans[SPANS_KEY]
        doc.spans["aioner_shown"] = [span for span, kept in zip(group, kept_flags(group)) if kept]
        try:
            return render_spans(doc, "aioner_shown", COLORS)
        finally:
            del doc.spans["aioner_shown"]

    def metadata(self) -> dict:
        """Name, version, tasks, labels, encoder and quantization of the pipeline as loaded."""
        transformer = self.nlp.get_pipe("aioner_transformer") if "aioner_transformer" in self.nlp.pipe_names else None
        encoder = layers = None
        if transformer is not None:  # as configured: loaded from disk, the model's own name is a temporary path
            name = self.nlp.config["components"]["aioner_transformer"]["model"]["name"]
            encoder = name.get("@misc") if isinstance(name, dict) else name
            layers = transformer.model.transformer.config.num_hidden_layers
        return {
            "name": f"{self.nlp.meta.get('lang', '')}_{self.nlp.meta.get('name', '')}",
            "version": self.nlp.meta.get("version"),
            "spacy_aioner": __import__("spacy_aioner").__version__,
            "model": self.model,
            "pipeline": self.nlp.pipe_names,
            "tasks": list(self.pipe.tasks),
            "all_tasks": list(TASKS),
            "labels": list(self.pipe.scheme.entity_types),
            "min_score": self.pipe.min_score,
            "calibrated": bool(self.pipe.calibration),
            "encoder": encoder,
            "encoder_layers": layers,
            "quantize": getattr(transformer, "quantize", None),
            "links": any("linker" in name for name in self.nlp.pipe_names),
        }
