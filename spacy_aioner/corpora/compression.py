"""Corpus files, gzip-compressed or not: recognised by their first bytes, not by their name. A
damaged or truncated gzip file is a CorpusFormatError naming it, never a crash."""
import gzip
import zlib
from pathlib import Path
from typing import BinaryIO, Union

from .records import CorpusFormatError

GZIP_MAGIC = b"\x1f\x8b"
GZIP_SUFFIX = ".gz"


def is_gzip(path: Union[str, Path]) -> bool:
    """True if the file starts with gzip's magic bytes (False if it cannot be read)."""
    try:
        with open(path, "rb") as stream:
            return stream.read(2) == GZIP_MAGIC
    except OSError:
        return False


class _CheckedGzip(gzip.GzipFile):
    """A gzip reader whose decompression errors name the file."""

    def read(self, size=-1):
        return self._checked(super().read, size)

    def readline(self, size=-1):
        return self._checked(super().readline, size)

    def _checked(self, method, size):
        try:
            return method(size)
        except (EOFError, gzip.BadGzipFile, zlib.error) as err:
            raise CorpusFormatError(Path(self.name), None, None, f"damaged gzip file ({err})") from None


def open_binary(path: Union[str, Path]) -> BinaryIO:
    """The file's bytes, decompressed if it is gzip."""
    return _CheckedGzip(path, "rb") if is_gzip(path) else open(path, "rb")


def plain_name(name: str) -> str:
    """`name` without a trailing ``.gz``."""
    return name[: -len(GZIP_SUFFIX)] if name.lower().endswith(GZIP_SUFFIX) else name
