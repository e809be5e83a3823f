"""PubTator format: ``ID|t|title``, ``ID|a|abstract``, then ``ID TAB start TAB end TAB
text TAB type [TAB identifier]`` mention lines; a blank line ends a document.

Title and abstract lines are recognised by ``ID|t|``/``ID|a|`` before anything is split on
TAB, so text lines that themselves contain TAB characters (Linnaeus) read exactly.
"""
import re
from pathlib import Path
from typing import IO, Iterable, Iterator, Optional, Union

from spacy.tokens import Doc

from .docs import doc_mentions, doc_passages, mention_identifier
from .records import CorpusReport, CorpusFormatError, Mention, Passage, SourceDocument
from .text_lines import read_lines

TEXT_LINE = re.compile(r"^([^\t|]+)\|([ta])\|(.*)$", re.DOTALL)


def read_pubtator(
    path: Union[str, Path], *, report: Optional[CorpusReport] = None, lenient: bool = False
) -> Iterator[SourceDocument]:
    """Stream the documents of a PubTator file.

    Malformed lines raise CorpusFormatError naming file, line and document; with
    `lenient`, a malformed mention line is skipped and counted in `report` instead.
    """
    path = Path(path)
    doc: Optional[SourceDocument] = None
    for line_no, line in read_lines(path, report):
        if not line.strip():
            if doc is not None:
                yield doc
            doc = None
            continue
        text_match = TEXT_LINE.match(line)
        if text_match:
            doc_id, kind, text = text_match.groups()
            if kind == "t":
                if doc is not None:
                    yield doc
                doc = SourceDocument(doc_id, [Passage(0, text, {"type": "title"})], path=path, line=line_no)
                continue
            if doc is None or doc.id != doc_id or len(doc.passages) != 1:
                raise CorpusFormatError(path, line_no, doc_id, "abstract line without its title line")
            doc.passages.append(Passage(len(doc.passages[0].text) + 1, text, {"type": "abstract"}))
            continue
        fields = line.split("\t")
        doc_id = fields[0]
        if doc is None or doc_id != doc.id:
            raise CorpusFormatError(
                path, line_no, doc_id, "annotation line outside its document (no title line for this id)"
            )
        if len(fields) >= 2 and fields[1].isalpha():
            if report is not None:
                report.relations_ignored += 1  # relation lines such as ID TAB CID TAB ...
            continue
        mention = _parse_mention(path, line_no, doc_id, fields, report, lenient)
        if mention is not None:
            doc.mentions.append(mention)
    if doc is not None:
        yield doc


def _parse_mention(path, line_no, doc_id, fields, report, lenient) -> Optional[Mention]:
    problem = None
    if len(fields) not in (5, 6):
        problem = f"expected 5 or 6 TAB-separated fields in a mention line, found {len(fields)}"
    elif not (fields[1].isdigit() and fields[2].isdigit()):
        problem = f"offsets {fields[1]!r}, {fields[2]!r} are not numbers"
    if problem is None:
        identifier = fields[5] if len(fields) == 6 else ""
        return Mention(int(fields[1]), int(fields[2]), fields[3], fields[4], identifier, line_no)
    if not lenient:
        raise CorpusFormatError(path, line_no, doc_id, problem)
    if report is not None:
        report.mentions_read += 1
        report.drop("malformed mention line", f"{path}, line {line_no}, document {doc_id!r}")
    return None


def format_pubtator(doc: Doc) -> str:
    """One document as PubTator text, ending in a blank line.

    The first passage is the title; the rest of the text, newlines made spaces (same
    length), is the abstract, so offsets are the Doc's character offsets.
    """
    doc_id = doc._.aioner_doc_id or "-"
    passages = doc_passages(doc)
    title_end = passages[0]["end"]
    title = doc.text[:title_end]
    abstract = doc.text[title_end + 1 :].replace("\n", " ").replace("\r", " ")
    if "\n" in title or "\r" in title:
        title, abstract = doc.text.replace("\n", " ").replace("\r", " "), ""
    lines = [f"{doc_id}|t|{title}", f"{doc_id}|a|{abstract}"]
    for start, end, span in doc_mentions(doc):
        fields = [doc_id, str(start), str(end), doc.text[start:end], span.label_]
        identifier = mention_identifier(span)
        if identifier:
            fields.append(identifier)
        lines.append("\t".join(fields))
    return "\n".join(lines) + "\n\n"


class PubTatorWriter:
    """Streams PubTator documents (``format_pubtator``'s text) onto one text stream."""

    def __init__(self, stream: IO[str]):
        self.stream = stream

    def write(self, document: str) -> None:
        self.stream.write(document)

    def close(self) -> None:
        pass


def write_pubtator(docs: Iterable[Doc], out: Union[str, Path, IO[str]]) -> int:
    """Write `docs` as PubTator to a path or text stream; return the number of documents."""
    if isinstance(out, (str, Path)):
        with open(out, "w", encoding="utf8", newline="\n") as stream:
            return write_pubtator(docs, stream)
    count = 0
    for doc in docs:
        out.write(format_pubtator(doc))
        count += 1
    return count
