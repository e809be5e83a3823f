"""Line-numbered, strictly decoded reading of text corpus files."""
from pathlib import Path
from typing import Iterator, Tuple

from .records import CorpusFormatError


def read_lines(path: Path) -> Iterator[Tuple[int, str]]:
    """Yield (1-based line number, line without its line break) of a UTF-8 file.

    Bytes that are not UTF-8 raise CorpusFormatError naming the file and line.
    """
    with open(path, "rb") as stream:
        for line_no, raw in enumerate(stream, start=1):
            try:
                line = raw.decode("utf8")
            except UnicodeDecodeError as err:
                raise CorpusFormatError(
                    path, line_no, None, f"not UTF-8 text (byte {err.start}: {raw[err.start:err.start + 1]!r})"
                ) from None
            yield line_no, line.rstrip("\n").rstrip("\r")
