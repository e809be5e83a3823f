"""What the service does with a loaded pipeline: texts or PubTator/BioC documents in,
mentions (JSON), PubTator text or BioC XML out, under the tasks and threshold of a request.

Everything here runs on the batcher's single thread, the only one that touches the pipeline.
"""
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

from spacy import displacy
from spacy.language import Language
from spacy.tokens import Doc

from ..annotation.worker import Annotator
from ..corpora.bioc import read_bioc, write_bioc
from ..corpora.docs import mention_identifier
from ..corpora.pubtator import format_pubtator, read_pubtator
from ..corpora.records import CorpusFormatError, SourceDocument
from ..ents import kept_flags
from ..extensions import SPANS_KEY
from ..scheme import TASKS

MinScore = Union[float, Dict[str, float]]
# displaCy colours of the six types (the page's marks)
COLORS = {"Gene": "#7aecec", "Chemical": "#feca74", "Disease": "#ff9561", "Species": "#aa9cfc",
          "Variant": "#c887fb", "CellLine": "#bfe1d9"}
RequestKey = Tuple[Optional[Tuple[str, ...]], Optional[Tuple]]  # (tasks, min_score) as hashables


class BadInput(ValueError):
    """A request's content cannot be annotated; the message says why (and where)."""


@dataclass(frozen=True)
class Choice:
    """The tasks and threshold of one request (None: the pipeline's own)."""

    tasks: Optional[Tuple[str, ...]] = None
    min_score: Optional[MinScore] = None

    @classmethod
    def parse(cls, task: Union[None, str, List[str]], min_score: Optional[MinScore]) -> "Choice":
        tasks = None if task is None else tuple([task] if isinstance(task, str) else task)
        unknown = [t for t in tasks or () if t not in TASKS]
        if unknown or tasks == ():
            raise BadInput(f"task: {', '.join(map(repr, unknown)) or 'an empty list'} is not a task; "
                           f"choose from {', '.join(TASKS)}, or a list of them")
        if tasks is not None and len(set(tasks)) != len(tasks):
            raise BadInput(f"task: {list(tasks)} names a task twice")
        return cls(tasks, min_score)

    @property
    def key(self) -> RequestKey:
        score = tuple(sorted(self.min_score.items())) if isinstance(self.min_score, dict) else self.min_score
        return self.tasks, score


class AnnotationService:
    """A pipeline (loaded once, like `annotate` loads it) and the service's conversions."""

    def __init__(self, model: str, *, quantize: Optional[str] = None, threads: int = 0):
        self.model = model
        self.annotator = Annotator(model, threads=threads, quantize=quantize)
        self.nlp: Language = self.annotator.nlp
        self.pipe = self.nlp.get_pipe("aioner")
        self._metadata = self._describe()  # taken now: a request's running() block changes the pipe

    # -- run on the batcher's thread --------------------------------------------------------
    def run(self, key: RequestKey, items: List[Union[str, SourceDocument]]) -> List[Union[Doc, Exception]]:
        """Annotate texts or SourceDocuments under the request key's tasks and threshold. A batch
        that fails is retried item by item, so one bad item is one exception in its place."""
        tasks, score = key
        min_score = dict(score) if isinstance(score, tuple) else score
        with self.pipe.running(tasks, min_score):
            try:
                return list(self.nlp.pipe([self._doc(item) for item in items]))
            except Exception:  # noqa: BLE001 - isolate the culprit
                return [self._one(item) for item in items]

    def _doc(self, item: Union[str, SourceDocument]) -> Doc:
        return self.nlp.make_doc(item) if isinstance(item, str) else self.annotator.make_doc(item)

    def _one(self, item: Union[str, SourceDocument]) -> Union[Doc, Exception]:
        try:
            return self.nlp(self._doc(item))
        except Exception as err:  # noqa: BLE001 - answered 422 for its request alone
            return err

    # -- inputs ------------------------------------------------------------------------------
    def check_choice(self, choice: "Choice") -> None:
        """BadInput unless the pipeline can run the choice's tasks and threshold."""
        try:  # only checks: the worker thread may be running the pipe right now
            self.pipe.check_running(choice.tasks, choice.min_score)
        except ValueError as err:
            raise BadInput(str(err)) from None

    def check_texts(self, texts: List[str]) -> None:
        for i, text in enumerate(texts):
            if len(text) > self.nlp.max_length:
                raise BadInput(f"texts[{i}]: {len(text)} characters, more than the pipeline's "
                               f"max_length ({self.nlp.max_length})")

    def read_documents(self, body: bytes, fmt: str) -> List[SourceDocument]:
        """The documents of a PubTator or BioC XML body, read by the project's own readers;
        BadInput names the line (PubTator) or the XML error."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / ("body.PubTator" if fmt == "pubtator" else "body.xml")
            path.write_bytes(body)
            try:
                docs = list((read_pubtator if fmt == "pubtator" else read_bioc)(path))
            except CorpusFormatError as err:
                where = (f"line {err.line}" if err.line is not None else "") + (
                    f", document {err.doc_id!r}" if err.doc_id is not None else "")
                raise BadInput(f"{fmt} body, {where.lstrip(', ') or 'as a whole'}: {err.problem}") from None
        if not docs:
            raise BadInput(f"{fmt} body: no documents in it")
        self.check_texts([" ".join(p.text for p in doc.passages) for doc in docs])
        return docs

    # -- outputs -----------------------------------------------------------------------------
    def mentions(self, doc: Doc) -> List[dict]:
        """Every mention of ``doc.spans["aioner"]``: offsets, text, type, score (None for one a
        rule added), tasks, the linked id if any, whether it is in ``doc.ents`` and whether it
        reaches the threshold."""
        group = doc.spans[SPANS_KEY]
        scores = group.attrs.get("scores") or [None] * len(group)
        tasks = group.attrs.get("tasks") or [[]] * len(group)
        ents = {(e.start_char, e.end_char, e.label_) for e in doc.ents}
        out = []
        for span, score, found_by, kept in zip(group, scores, tasks, kept_flags(group)):
            if score is not None and score != score:  # NaN: added by a rule (the abbreviation step), not scored
                score = None
            out.append({
                "start": span.start_char, "end": span.end_char, "text": span.text, "type": span.label_,
                "score": score, "tasks": list(found_by or []), "id": mention_identifier(span) or None,
                "in_ents": (span.start_char, span.end_char, span.label_) in ents, "kept": kept,
            })
        return out

    @staticmethod
    def render(doc: Doc) -> str:
        """displaCy's span view of the mentions that reach the threshold (nested ones stacked),
        with inline styles only."""
        group = doc.spans[SPANS_KEY]
        doc.spans["aioner_shown"] = [span for span, kept in zip(group, kept_flags(group)) if kept]
        try:
            return displacy.render(doc, style="span", options={"spans_key": "aioner_shown", "colors": COLORS}, jupyter=False)
        finally:
            del doc.spans["aioner_shown"]

    @staticmethod
    def pubtator(docs: List[Doc]) -> str:
        return "".join(format_pubtator(doc) for doc in docs)

    @staticmethod
    def bioc(docs: List[Doc]) -> bytes:
        stream = io.BytesIO()
        write_bioc(docs, stream)
        return stream.getvalue()

    def metadata(self) -> dict:
        """Name, version, tasks, labels, encoder and quantization of the pipeline as loaded."""
        return dict(self._metadata)

    def _describe(self) -> dict:
        transformer = self.nlp.get_pipe("aioner_transformer") if "aioner_transformer" in self.nlp.pipe_names else None
        encoder = transformer.model.transformer.config.name_or_path if transformer is not None else None
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
            "quantize": getattr(transformer, "quantize", None),
            "links": any("linker" in name for name in self.nlp.pipe_names),
        }
