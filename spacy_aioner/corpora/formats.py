"""Which reader a corpus file needs: one format detector for convert, annotate and the tests."""
from pathlib import Path
from typing import Callable, Dict, Iterator, Optional, Union

from .bioc import read_bioc
from .conll import read_conll
from .pubtator import read_pubtator
from .records import SourceDocument
from .text_lines import BOM

READERS: Dict[str, Callable[..., Iterator[SourceDocument]]] = {
    "pubtator": read_pubtator,
    "bioc": read_bioc,
    "conll": read_conll,
}
FORMATS = tuple(READERS)


XML_STARTS = (b"<?xml", b"<!DOCTYPE", b"<collection")


def detect_format(path: Union[str, Path]) -> str:
    """'conll' for ``*.conll``; 'bioc' for ``*.xml`` or a file that starts like BioC XML;
    otherwise 'pubtator'."""
    path = Path(path)
    name = path.name.lower()
    if name.endswith(".conll"):
        return "conll"
    if name.endswith(".xml"):
        return "bioc"
    try:
        with open(path, "rb") as stream:
            head = stream.read(256)
    except OSError:  # not readable (yet): the name decides, the reader reports the problem
        head = b""
    if head.startswith(BOM):
        head = head[len(BOM):]
    return "bioc" if head.lstrip().startswith(XML_STARTS) else "pubtator"


def read_corpus(path: Union[str, Path], fmt: Optional[str] = None, **kwargs) -> Iterator[SourceDocument]:
    """Stream the source documents of a corpus file of any supported format."""
    return READERS[fmt or detect_format(path)](path, **kwargs)
