"""The corpus formats, in one table: each one's name, the file names that select it, its reader,
and (for the formats annotate and the service write) how an annotated Doc is rendered and
streamed into a file. Every format dispatch of the package goes through this table. Any input
may be gzip-compressed (recognised by its first bytes)."""
import gzip
import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Dict, Iterable, Iterator, Optional, Tuple, Union

from spacy.tokens import Doc

from .bioc import BioCWriter, read_bioc, to_bioc_document
from .compression import GZIP_SUFFIX, open_binary, plain_name
from .conll import read_conll
from .pubmed import ROOT_TAG, read_pubmed
from .pubtator import PubTatorWriter, format_pubtator, read_pubtator
from .records import SourceDocument
from .text_lines import BOM


@dataclass(frozen=True)
class Format:
    """One corpus format. `render` turns an annotated Doc into what `writer` streams (plain,
    picklable data, so worker processes can render); formats without a writer are input only.
    `annotate_as` is the output format annotate writes for its files by default (None: annotate
    does not read it)."""

    name: str
    suffixes: Tuple[str, ...]  # lower-case file-name endings that select it
    read: Callable[..., Iterator[SourceDocument]]
    render: Optional[Callable[[Doc], object]] = None
    writer: Optional[Callable[[IO], object]] = None
    binary: bool = False
    output_suffix: str = ""  # the file-name ending of an output converted to this format
    annotate_as: Optional[str] = None

    def open_writer(self, path: Union[str, Path], compress: bool = False) -> "FileWriter":
        """A writer of this format into the file `path` (created or truncated; gzip-compressed,
        reproducibly, with `compress`)."""
        raw = open(path, "wb")
        binary = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if compress else raw
        stream = binary if self.binary else io.TextIOWrapper(binary, encoding="utf8", newline="\n")
        return FileWriter([stream, binary, raw], self.writer(stream))

    def dumps(self, docs: Iterable[Doc]) -> Union[str, bytes]:
        """`docs` written in this format, in memory."""
        stream = io.BytesIO() if self.binary else io.StringIO()
        writer = self.writer(stream)
        for doc in docs:
            writer.write(self.render(doc))
        writer.close()
        return stream.getvalue()


class FileWriter:
    """A format's streaming writer and the file objects it writes through (outermost first)."""

    def __init__(self, streams: list, writer):
        self.streams, self.writer = streams, writer

    def write(self, rendered) -> None:
        self.writer.write(rendered)

    def close(self) -> None:
        if self.streams[-1].closed:
            return
        try:
            self.writer.close()
        finally:
            for stream in self.streams:
                stream.close()


FORMATS: Dict[str, Format] = {fmt.name: fmt for fmt in (
    Format("pubtator", (".pubtator", ".txt"), read_pubtator, format_pubtator, PubTatorWriter, False, ".PubTator", "pubtator"),
    Format("bioc", (".xml",), read_bioc, to_bioc_document, BioCWriter, True, ".xml", "bioc"),
    Format("pubmed", (), read_pubmed, annotate_as="pubtator"),
    Format("conll", (".conll",), read_conll),
)}
WRITABLE = tuple(name for name, fmt in FORMATS.items() if fmt.writer is not None)
ANNOTATABLE = tuple(name for name, fmt in FORMATS.items() if fmt.annotate_as is not None)
XML_STARTS = (b"<?xml", b"<!DOCTYPE", b"<collection", f"<{ROOT_TAG}".encode())


def detect_format(path: Union[str, Path]) -> str:
    """The format of a corpus file, gzip-compressed or not: 'conll' for ``*.conll``; for XML
    (``*.xml`` or a file that starts like XML) 'pubmed' if its root is ``<PubmedArticleSet>``,
    else 'bioc'; otherwise 'pubtator'."""
    name = plain_name(Path(path).name).lower()
    if name.endswith(FORMATS["conll"].suffixes):
        return "conll"
    try:
        with open_binary(path) as stream:
            head = stream.read(4096)
    except (OSError, EOFError):  # not readable (yet): the name decides, the reader reports the problem
        head = b""
    if head.startswith(BOM):
        head = head[len(BOM):]
    if f"<{ROOT_TAG}".encode() in head:
        return "pubmed"
    if name.endswith(FORMATS["bioc"].suffixes) or head.lstrip().startswith(XML_STARTS):
        return "bioc"
    return "pubtator"


def output_name(input_name: str, fmt: str, out_fmt: str, compress: bool) -> str:
    """The output file name for an input file of format `fmt` written as `out_fmt`: the input's
    name (without ``.gz``), its ending changed when the format changes, ``.gz`` when compressed."""
    name = plain_name(input_name)
    if out_fmt != fmt:
        name = Path(name).stem + FORMATS[out_fmt].output_suffix
    return name + (GZIP_SUFFIX if compress else "")


def read_corpus(path: Union[str, Path], fmt: Optional[str] = None, **kwargs) -> Iterator[SourceDocument]:
    """Stream the source documents of a corpus file of any supported format."""
    return FORMATS[fmt or detect_format(path)].read(path, **kwargs)
