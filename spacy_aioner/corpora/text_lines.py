"""Line-numbered, strictly decoded reading of text corpus files (gzip-compressed or not)."""
from pathlib import Path
from typing import Iterator, Optional, Tuple

from .compression import open_binary
from .records import CorpusFormatError, CorpusReport

BOM = b"\xef\xbb\xbf"


def read_lines(path: Path, report: Optional[CorpusReport] = None) -> Iterator[Tuple[int, str]]:
    """Yield (1-based line number, line without its line break) of a UTF-8 file.

    A UTF-8 byte order mark at the start is removed, as editors and the bioc reader do, and
    noted in `report`. Bytes that are not UTF-8 raise CorpusFormatError naming the file and line.
    """
    with open_binary(path) as stream:
        for line_no, raw in enumerate(stream, start=1):
            if line_no == 1 and raw.startswith(BOM):
                raw = raw[len(BOM):]
                if report is not None:
                    report.byte_order_mark = True
            try:
                line = raw.decode("utf8")
            except UnicodeDecodeError as err:
                raise CorpusFormatError(
                    path, line_no, None, f"not UTF-8 text (byte {err.start}: {raw[err.start:err.start + 1]!r})"
                ) from None
            yield line_no, line.rstrip("\n").rstrip("\r")
