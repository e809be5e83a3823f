"""BioC XML, read and written with the maintained ``bioc`` package, one document at a time.

Passages keep their own offsets and infons; annotations come from passage level with their
``type`` infon and ``identifier`` (or ``Identifier``) infon. Predicted mentions are written
with a ``type`` infon, the identifier when one is set, and the confidence when known.
"""
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Optional, Union

import bioc
from bioc.biocxml import BioCXMLDocumentReader, BioCXMLDocumentWriter
from lxml import etree
from spacy.tokens import Doc

from ..extensions import SPANS_KEY
from .compression import open_binary
from .docs import doc_mentions, doc_passages, mention_identifier
from .records import CorpusReport, CorpusFormatError, Mention, Passage, SourceDocument

IDENTIFIER_KEYS = ("identifier", "Identifier")


def read_bioc(
    path: Union[str, Path], *, report: Optional[CorpusReport] = None, lenient: bool = False
) -> Iterator[SourceDocument]:
    """Stream the documents of a BioC XML file.

    Discontinuous annotations (several locations) and annotations without a type raise
    CorpusFormatError, or with `lenient` are skipped and counted in `report`.
    """
    path = Path(path)
    with open_binary(path) as stream:
        try:
            for document in BioCXMLDocumentReader(stream):
                yield _source_document(path, document, report, lenient)
        except etree.XMLSyntaxError as err:
            raise CorpusFormatError(path, err.lineno, None, f"malformed BioC XML: {err.msg}") from None


def _source_document(path, document, report, lenient) -> SourceDocument:
    source = SourceDocument(document.id, [], infons=dict(document.infons), path=path)
    for passage in document.passages:
        if passage.text is None and passage.sentences:
            raise CorpusFormatError(path, None, document.id, "sentence-level passages are not supported")
        source.passages.append(Passage(passage.offset, passage.text or "", dict(passage.infons)))
        for annotation in passage.annotations:
            mention = _mention(path, document.id, annotation, report, lenient)
            if mention is not None:
                source.mentions.append(mention)
    return source


def _mention(path, doc_id, annotation, report, lenient) -> Optional[Mention]:
    etype = annotation.infons.get("type")
    if etype and len(annotation.locations) == 1:
        location = annotation.locations[0]
        identifier = next((annotation.infons[k] for k in IDENTIFIER_KEYS if annotation.infons.get(k)), "")
        return Mention(location.offset, location.end, annotation.text or "", etype, identifier)
    problem = "annotation without a type infon" if not etype else "discontinuous annotation"
    if not lenient:
        raise CorpusFormatError(path, None, doc_id, f"{problem} (annotation id {annotation.id!r})")
    if report is not None:
        report.mentions_read += 1
        report.drop(problem, f"{path}, document {doc_id!r}, annotation {annotation.id!r}")
    return None


def to_bioc_document(doc: Doc) -> bioc.BioCDocument:
    """One Doc as a BioCDocument, with passages at their source offsets."""
    document = bioc.BioCDocument()
    document.id = doc._.aioner_doc_id or ""
    document.infons.update(doc._.aioner_doc_infons or {})
    passages = []
    for record in doc_passages(doc):
        passage = bioc.BioCPassage()
        passage.offset = record["offset"]
        passage.text = doc.text[record["start"] : record["end"]]
        passage.infons.update(record["infons"])
        document.add_passage(passage)
        passages.append((record, passage))
    scores = _span_scores(doc)
    for n, (start, end, span) in enumerate(doc_mentions(doc)):
        record, passage = next(((r, p) for r, p in passages if r["start"] <= start and end <= r["end"]), (None, None))
        if passage is None:
            raise ValueError(f"document {document.id!r}: mention {span.text!r} crosses a passage boundary")
        annotation = bioc.BioCAnnotation()
        annotation.id = str(n)
        annotation.infons["type"] = span.label_
        identifier = mention_identifier(span)
        if identifier:
            annotation.infons["identifier"] = identifier
        if (span.start, span.end, span.label_) in scores:
            annotation.infons["score"] = f"{scores[(span.start, span.end, span.label_)]:.4f}"
        annotation.text = doc.text[start:end]
        annotation.add_location(bioc.BioCLocation(record["offset"] + start - record["start"], end - start))
        passage.add_annotation(annotation)
    return document


class BioCWriter:
    """Streams BioC documents (``to_bioc_document``'s) into one collection on a binary stream."""

    def __init__(self, stream: BinaryIO, source: str = "spacy_aioner"):
        self.writer = BioCXMLDocumentWriter(stream)
        collection = bioc.BioCCollection()
        collection.source = source
        self.writer.write_collection_info(collection)

    def write(self, document: bioc.BioCDocument) -> None:
        self.writer.write_document(document)

    def close(self) -> None:
        self.writer.close()


def write_bioc(docs: Iterable[Doc], out: Union[str, Path, BinaryIO], *, source: str = "spacy_aioner") -> int:
    """Write `docs` as BioC XML to a path or binary stream, one document at a time; return the count."""
    if isinstance(out, (str, Path)):
        with open(out, "wb") as stream:
            return write_bioc(docs, stream, source=source)
    writer, count = BioCWriter(out, source), 0
    for doc in docs:
        writer.write(to_bioc_document(doc))
        count += 1
    writer.close()
    return count


def _span_scores(doc: Doc) -> dict:
    """(start, end, label) -> confidence of the predicted spans, if the pipe stored them."""
    if SPANS_KEY not in doc.spans or "scores" not in doc.spans[SPANS_KEY].attrs:
        return {}
    group = doc.spans[SPANS_KEY]
    return {(s.start, s.end, s.label_): score for s, score in zip(group, group.attrs["scores"])}
