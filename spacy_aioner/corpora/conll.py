"""AIONER CoNLL: ``token TAB label`` lines; ``<Task> TAB O`` ... ``</Task> TAB O`` wrap each
block; blank lines separate blocks. Each block becomes one document, its text the tokens
joined by single spaces, its task the marker's task.
"""
import re
from pathlib import Path
from typing import Iterator, List, Optional, Tuple, Union

from .records import CorpusReport, CorpusFormatError, Mention, Passage, SourceDocument
from .text_lines import read_lines

OPEN = re.compile(r"^<([A-Za-z]+)>$")
CLOSE = re.compile(r"^</([A-Za-z]+)>$")


def read_conll(
    path: Union[str, Path], *, report: Optional[CorpusReport] = None, lenient: bool = False
) -> Iterator[SourceDocument]:
    """Stream the blocks of an AIONER CoNLL file as documents (``lenient`` is not needed:
    every malformed line is a structural error and raises CorpusFormatError)."""
    path = Path(path)
    rows: List[Tuple[int, str, str]] = []
    task: Optional[str] = None
    start_line = None
    for line_no, line in read_lines(path, report):
        if not line.strip():
            if rows or task:
                yield _block(path, start_line, task, rows)
            rows, task, start_line = [], None, None
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0]:
            raise CorpusFormatError(path, line_no, None, f"expected 'token TAB label', got {line!r}")
        token, label = fields
        if OPEN.match(token):
            if rows or task:
                yield _block(path, start_line, task, rows)
            rows, task, start_line = [], OPEN.match(token).group(1), line_no
        elif CLOSE.match(token):
            if CLOSE.match(token).group(1) != task:
                raise CorpusFormatError(path, line_no, None, f"{token} closes a block opened as <{task}>")
            yield _block(path, start_line, task, rows)
            rows, task, start_line = [], None, None
        else:
            if label != "O" and not re.match(r"^[BIO]-\S+$", label):
                raise CorpusFormatError(path, line_no, None, f"label {label!r} is not O, B-X, I-X or O-X")
            if start_line is None:
                start_line = line_no
            rows.append((line_no, token, label))
    if rows or task:
        yield _block(path, start_line, task, rows)


def _block(path: Path, line: int, task: Optional[str], rows: List[Tuple[int, str, str]]) -> SourceDocument:
    text_parts, mentions, offset = [], [], 0
    open_mention: Optional[Mention] = None
    for line_no, token, label in rows:
        start = offset
        offset += len(token)
        prefix, _, etype = label.partition("-")
        continues = prefix == "I" and open_mention is not None and open_mention.type == etype
        if continues:
            open_mention.end = offset
        else:
            open_mention = None
            if prefix in ("B", "I"):
                open_mention = Mention(start, offset, "", etype, line=line_no)
                mentions.append(open_mention)
        text_parts.append(token)
        offset += 1
    text = " ".join(text_parts)
    for mention in mentions:
        mention.text = text[mention.start : mention.end]
    doc_id = f"{path.name}:{line}"
    return SourceDocument(doc_id, [Passage(0, text)], mentions, path=path, line=line, task=task)
