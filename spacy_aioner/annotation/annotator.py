"""The one annotation core: a loaded pipeline that annotates texts or source documents under
run settings, a batch at a time, one failure at a time.

A batch goes through ``nlp.pipe`` at once; if it fails, its items are retried one by one, so a
single bad item becomes one error in its place and the rest are still annotated. The command
line (local processes, Ray actors) and the service use it alike.
"""
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Union

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ..corpora.docs import PASSAGE_SEPARATOR, build_doc, doc_mentions
from ..corpora.formats import FORMATS
from ..corpora.records import SourceDocument
from ..extensions import SPANS_KEY
from .settings import RunSettings

Item = Union[str, SourceDocument]


@dataclass
class Result:
    """One source document's outcome, plain data (it crosses processes): its rendered output in
    the run's format, or an error."""

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
    """A pipeline loaded once (its encoder quantized if asked), for any run settings."""

    def __init__(self, model: str, *, threads: int = 0, quantize: Optional[str] = None):
        if threads:
            import torch

            torch.set_num_threads(threads)
        config = {"components": {"aioner_transformer": {"quantize": quantize}}} if quantize else {}
        self.nlp: Language = spacy.load(model, config=config)

    def too_long(self, item: Item) -> Optional[str]:
        """Why `item` is over the pipeline's max_length, or None."""
        passages = [item] if isinstance(item, str) else [p.text for p in item.passages]
        length = sum(map(len, passages)) + len(PASSAGE_SEPARATOR) * max(len(passages) - 1, 0)
        if length > self.nlp.max_length:
            return f"{length} characters, more than the pipeline's max_length ({self.nlp.max_length})"
        return None

    def make_doc(self, item: Item, settings: RunSettings) -> Doc:
        """An unannotated Doc of `item` (a source document's own mentions are not kept) under `settings`."""
        problem = self.too_long(item)
        if problem:
            raise ValueError(f"document of {problem}")
        if isinstance(item, str):
            doc = self.nlp.make_doc(item)
        else:
            doc = build_doc(self.nlp, item, "ALL", type_map={})  # input mentions are not gold here: none kept
            doc._.aioner_task = None
            del doc.spans[SPANS_KEY]
        return settings.apply(doc)

    def annotate(self, items: List[Item], settings: RunSettings) -> List[Union[Doc, Exception]]:
        """Each item annotated under `settings`, or the exception it raised, in order; a
        SettingsError for all if the pipeline cannot run `settings`."""
        settings.check(self.nlp)
        docs: List[Union[Doc, Exception]] = []
        for item in items:
            try:
                docs.append(self.make_doc(item, settings))
            except Exception as err:  # noqa: BLE001 - one item's error, the others go on
                docs.append(err)
        todo = [i for i, doc in enumerate(docs) if isinstance(doc, Doc)]
        try:
            for i, doc in zip(todo, list(self.nlp.pipe([docs[i] for i in todo]))):
                docs[i] = doc
        except Exception:  # noqa: BLE001 - retry one by one to isolate the culprit
            for i in todo:
                try:
                    docs[i] = self.nlp(docs[i])
                except Exception as err:  # noqa: BLE001
                    docs[i] = err
        return docs

    def __call__(self, sources: List[SourceDocument], settings: RunSettings) -> List[Result]:
        """`sources` annotated and rendered in ``settings.output_format``: what a file run writes."""
        render = FORMATS[settings.output_format].render
        results = []
        for source, doc in zip(sources, self.annotate(sources, settings)):
            if isinstance(doc, Exception):
                results.append(Result(source.id, error=f"{type(doc).__name__}: {doc}"))
                continue
            mentions = Counter(span.label_ for _, _, span in doc_mentions(doc))  # what the output holds
            results.append(Result(source.id, render(doc), mentions=dict(mentions),
                                  ignored_input_mentions=len(source.mentions)))
        return results
