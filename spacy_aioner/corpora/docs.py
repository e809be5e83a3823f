"""Source documents <-> spaCy Docs: exact offsets, nested mentions kept, task attached.

A Doc's text is its passages joined by one newline; ``doc._.aioner_passages`` maps each
passage back to its source offset. Every mapped gold mention goes into
``doc.spans["aioner"]``; ``doc.ents`` holds the non-overlapping subset chosen by
:func:`spacy.util.filter_spans` (longest first, then earliest start). A mention whose
boundaries fall inside a token is expanded to whole tokens, counted, and its exact
offsets are kept in ``doc._.aioner_exact`` so that writers reproduce the source.
"""
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..ents import kept_flags
from ..extensions import SPANS_KEY
from ..scheme import AIO
from .records import CorpusReport, CorpusFormatError, Mention, Passage, SourceDocument

PASSAGE_SEPARATOR = "\n"


def build_doc(
    nlp: Language,
    source: SourceDocument,
    task: str,
    type_map: Optional[Dict[str, str]] = None,
    *,
    report: Optional[CorpusReport] = None,
    lenient: bool = False,
) -> Doc:
    """Make a Doc of `source` for `task`, its mentions mapped to AIO types by `type_map`.

    Mentions of types missing from `type_map` are dropped and counted (None keeps all
    types as they are). Offsets out of range or text that does not match the source raise
    CorpusFormatError, or with `lenient` are dropped and counted in `report`.
    """
    report = report if report is not None else CorpusReport(str(source.path), task)
    AIO.check_task(task)
    text, passages = _join_passages(source.passages)
    doc = nlp.make_doc(text)
    doc._.aioner_task = task
    doc._.aioner_doc_id = source.id
    doc._.aioner_passages = passages
    doc._.aioner_doc_infons = dict(source.infons) or None
    report.documents += 1
    if not text.strip():
        report.empty_documents += 1
    spans: List[Span] = []
    exact: Dict[str, List[List[int]]] = {}
    seen = set()
    for mention in sorted(source.mentions, key=lambda m: (m.start, m.end, m.type)):
        report.mentions_read += 1
        where = f"{source.path}, line {mention.line}, document {source.id!r}"
        label = mention.type if type_map is None else type_map.get(mention.type)
        if label is None:
            report.drop(f"type {mention.type!r} not mapped for task {task}", where)
            continue
        key = (mention.start, mention.end, label)
        if key in seen:
            report.drop("duplicate of another mention (same offsets and type)", where)
            continue
        problem, start_char = _locate(mention, source.passages, passages)
        if problem is not None:
            if not lenient:
                raise CorpusFormatError(source.path, mention.line, source.id, problem)
            report.drop(problem.split(":")[0], where)
            continue
        end_char = start_char + (mention.end - mention.start)
        span = doc.char_span(start_char, end_char, label=label, kb_id=mention.identifier)
        if span is None:
            span = doc.char_span(
                start_char, end_char, label=label, kb_id=mention.identifier, alignment_mode="expand"
            )
            if span is None or not span.text.strip():
                report.drop("mention covers no token", where)
                continue
            report.expanded += 1
            exact.setdefault(_span_key(span), []).append([start_char, end_char])
        seen.add(key)
        spans.append(span)
    doc.spans[SPANS_KEY] = spans
    doc.ents = filter_spans(spans)
    doc._.aioner_exact = exact or None
    report.in_spans += len(spans)
    report.in_ents += len(doc.ents)
    report.nested_only += len(spans) - len(doc.ents)
    return doc


def build_docs(
    nlp: Language,
    sources: Iterable[SourceDocument],
    task: Optional[str] = None,
    type_map: Optional[Dict[str, str]] = None,
    *,
    report: Optional[CorpusReport] = None,
    lenient: bool = False,
) -> Iterator[Doc]:
    """Docs of `sources`; a source's own task (CoNLL markers) wins over `task`."""
    for source in sources:
        doc_task = source.task or task
        if doc_task is None:
            raise CorpusFormatError(source.path, source.line, source.id, "no task given")
        yield build_doc(nlp, source, doc_task, type_map, report=report, lenient=lenient)


def doc_passages(doc: Doc) -> List[Dict]:
    """The passage records of `doc`; a Doc made from plain text is one passage at 0."""
    if doc._.aioner_passages:
        return doc._.aioner_passages
    return [{"offset": 0, "start": 0, "end": len(doc.text), "infons": {}}]


def doc_mentions(doc: Doc) -> List[Tuple[int, int, Span]]:
    """(start_char, end_char, span) of every mention, exact source offsets restored.

    Mentions come from ``doc.spans["aioner"]`` when present (those scored under the group's
    ``min_score`` left out), else ``doc.ents``.
    """
    if SPANS_KEY in doc.spans:
        group = doc.spans[SPANS_KEY]
        spans = [span for span, kept in zip(group, kept_flags(group)) if kept]
    else:
        spans = list(doc.ents)
    pending = {key: list(pairs) for key, pairs in (doc._.aioner_exact or {}).items()}
    out = []
    for span in spans:
        pairs = pending.get(_span_key(span))
        start, end = pairs.pop(0) if pairs else (span.start_char, span.end_char)
        out.append((start, end, span))
    return sorted(out, key=lambda item: (item[0], item[1], item[2].label_))


def mention_identifier(span: Span) -> str:
    """The span's identifier: its kb_id, else the best candidate of scispaCy's linker."""
    if span.kb_id_:
        return span.kb_id_
    if Span.has_extension("kb_ents") and span._.kb_ents:
        return span._.kb_ents[0][0]
    return ""


def _span_key(span: Span) -> str:
    return f"{span.start_char}:{span.end_char}:{span.label_}"


def _join_passages(passages: List[Passage]) -> Tuple[str, List[Dict]]:
    records, start = [], 0
    for passage in passages:
        end = start + len(passage.text)
        records.append(
            {"offset": passage.offset, "start": start, "end": end, "infons": dict(passage.infons)}
        )
        start = end + len(PASSAGE_SEPARATOR)
    return PASSAGE_SEPARATOR.join(p.text for p in passages), records


def _locate(
    mention: Mention, passages: List[Passage], records: List[Dict]
) -> Tuple[Optional[str], int]:
    """(problem or None, doc char offset of the mention start)."""
    if mention.start >= mention.end:
        return f"empty or inverted offsets: {mention.start}-{mention.end}", -1
    for passage, record in zip(passages, records):
        p_start = mention.start - passage.offset
        p_end = mention.end - passage.offset
        if 0 <= p_start and p_end <= len(passage.text):
            found = passage.text[p_start:p_end]
            if found != mention.text:
                return (
                    f"mention text does not match the document: offsets "
                    f"{mention.start}-{mention.end} hold {found!r}, the mention says {mention.text!r}",
                    -1,
                )
            return None, record["start"] + p_start
    return (
        f"mention out of range: offsets {mention.start}-{mention.end} ({mention.text!r}) "
        f"lie in no passage",
        -1,
    )
