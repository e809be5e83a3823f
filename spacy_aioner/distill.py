"""Teacher labels: a trained pipeline labels training documents under ALL, and each document's
own gold wins for the types its corpus annotates (weak supervision as in Kazu's TinyBERN2: gold
where a curator annotated, the teacher elsewhere). Used to train a distilled student (the
``aioner`` pipe's ``distill_weight``) and as silver ALL data.

Per text (the documents of one corpus converted as several tasks, BC5CDR's Chemical and Disease,
share a text and become one document with the gold of both tasks' types):

- ``doc.ents`` and ``doc.spans["aioner"]``: the gold mentions of its gold types, plus the
  teacher's mentions of the other types that overlap no gold mention;
- ``doc.user_data[TEACHER_KEY]``: per token, the teacher's distribution over the AIO labels
  under ALL (the CRF marginals), float16; where the teacher's most likely label is not the
  merged tag, the merged tag one-hot, so the soft target never contradicts the gold;
- ``doc.spans[SILVER_KEY]``: the teacher's mentions among them, so gold and silver stay apart
  through a DocBin (`gold_and_silver`).
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Set, Tuple

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans, minibatch

from .extensions import DOC_EXTENSIONS, SPANS_KEY
from .pipeline.aioner import TEACHER_KEY
from .scheme import AIO, ALL

SILVER_KEY = "aioner_silver"


@dataclass
class TeacherReport:
    """What labelling did: documents in and out, mentions kept and added per type."""

    documents_read: int = 0
    texts: int = 0
    excluded: int = 0
    gold: Counter = field(default_factory=Counter)
    teacher_added: Counter = field(default_factory=Counter)
    teacher_dropped_gold_type: Counter = field(default_factory=Counter)
    teacher_dropped_overlap: Counter = field(default_factory=Counter)
    soft_targets_replaced: int = 0
    tokens: int = 0

    def to_dict(self) -> Dict:
        return {key: dict(value) if isinstance(value, Counter) else value for key, value in self.__dict__.items()}


@dataclass
class GoldText:
    """One text with the union of its documents' gold: the types annotated and the mentions."""

    doc: Doc
    gold_types: Set[str] = field(default_factory=set)
    mentions: Set[Tuple[int, int, str]] = field(default_factory=set)


def merge_gold(docs: Iterable[Doc], exclude_ids: Set[str], report: TeacherReport) -> List[GoldText]:
    """Documents sharing id and text become one GoldText; documents whose id is in
    `exclude_ids` (dev and test documents) are left out and counted."""
    merged: Dict[Tuple[str, str], GoldText] = {}
    for doc in docs:
        report.documents_read += 1
        if doc._.aioner_doc_id is not None and doc._.aioner_doc_id in exclude_ids:
            report.excluded += 1
            continue
        key = (doc._.aioner_doc_id or f"#{report.documents_read}", doc.text)
        text = merged.setdefault(key, GoldText(doc))
        types = set(AIO.task_types(doc._.aioner_task or ALL))
        text.gold_types |= types
        gold = list(doc.spans[SPANS_KEY]) if SPANS_KEY in doc.spans else list(doc.ents)
        text.mentions |= {(s.start, s.end, s.label_) for s in gold if s.label_ in types}
    return list(merged.values())


def teacher_label(nlp: Language, texts: List[GoldText], report: TeacherReport, *,
                  batch_size: int = 16, pipe_name: str = "aioner") -> Iterator[Doc]:
    """Label `texts` with the pipeline `nlp` under ALL and merge each with its gold."""
    aioner = nlp.get_pipe(pipe_name)
    for batch in minibatch(texts, batch_size):
        inputs = [_copy_tokens(nlp.vocab, text.doc) for text in batch]
        for doc in inputs:
            doc._.aioner_tasks, doc._.aioner_min_score = [ALL], 0.0
        predicted = list(nlp.pipe(inputs, batch_size=batch_size))
        distributions = aioner.label_distributions(predicted)
        for text, teacher_doc, dist in zip(batch, predicted, distributions):
            yield _merge(text, teacher_doc, dist, aioner.labels, report)


def _copy_tokens(vocab, doc: Doc) -> Doc:
    """A new Doc with exactly `doc`'s tokens (the teacher's tokens must be the gold's)."""
    return Doc(vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])


def _merge(text: GoldText, teacher_doc: Doc, dist: numpy.ndarray, labels: Tuple[str, ...], report: TeacherReport) -> Doc:
    source = text.doc
    doc = _copy_tokens(source.vocab, source)
    for name in DOC_EXTENSIONS:
        setattr(doc._, name, getattr(source._, name))
    doc._.aioner_task = ALL
    gold = [Span(doc, start, end, label=label) for start, end, label in sorted(text.mentions)]
    taken = {i for span in gold for i in range(span.start, span.end)}
    added = []
    for span in teacher_doc.ents:
        if span.label_ in text.gold_types:
            report.teacher_dropped_gold_type[span.label_] += 1
        elif taken.intersection(range(span.start, span.end)):
            report.teacher_dropped_overlap[span.label_] += 1
        else:
            added.append(Span(doc, span.start, span.end, label=span.label_))
            report.teacher_added[span.label_] += 1
    for span in gold:
        report.gold[span.label_] += 1
    doc.spans[SPANS_KEY] = sorted(gold + added, key=lambda s: (s.start, s.end, s.label_))
    doc.spans[SILVER_KEY] = added
    doc.ents = sorted(filter_spans(gold) + added, key=lambda s: s.start)  # nested gold stays in the group
    tags = AIO.spans_to_tags(doc, doc.ents, ALL)
    merged_ids = numpy.asarray([labels.index(tag) for tag in tags], dtype="int64")
    target = numpy.asarray(dist, dtype="float32").copy()
    disagree = target.argmax(axis=1) != merged_ids if len(doc) else numpy.zeros(0, dtype=bool)
    target[disagree] = 0.0
    target[numpy.flatnonzero(disagree), merged_ids[disagree]] = 1.0
    report.soft_targets_replaced += int(disagree.sum())
    report.tokens += len(doc)
    report.texts += 1
    doc.user_data[TEACHER_KEY] = target.astype("float16")
    return doc


def gold_and_silver(docs: Iterable[Doc]) -> Dict[str, Counter]:
    """Mentions per type of teacher-labelled documents, {"gold": ..., "silver": ...}: the silver
    ones are the teacher's (``doc.spans[SILVER_KEY]``), the rest of ``doc.spans["aioner"]`` gold."""
    counts = {"gold": Counter(), "silver": Counter()}
    for doc in docs:
        silver = {(s.start, s.end, s.label_) for s in doc.spans.get(SILVER_KEY, [])}
        for span in doc.spans.get(SPANS_KEY, []):
            counts["silver" if (span.start, span.end, span.label_) in silver else "gold"][span.label_] += 1
    return counts


def corpus_of(docbin_name: str) -> str:
    """The corpus a converted DocBin belongs to: `BC5CDR_TrainDev.Chemical.spacy` -> `BC5CDR_TrainDev`."""
    stem = docbin_name[: -len(".spacy")] if docbin_name.endswith(".spacy") else docbin_name
    head, _, task = stem.rpartition(".")
    return head if head and task in AIO.tasks else stem


def group_by_corpus(names: Iterable[str]) -> Dict[str, List[str]]:
    """DocBin file names grouped by the corpus they belong to, in sorted order."""
    groups: Dict[str, List[str]] = defaultdict(list)
    for name in sorted(names):
        groups[corpus_of(name)].append(name)
    return dict(groups)
