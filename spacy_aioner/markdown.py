"""Markdown tables for the reports that scripts and benchmarks print or write."""
from typing import Iterable, Sequence


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A pipe table: the header, its `---` rule, then one line per row (no trailing newline).

    header (Sequence[str]): the column names.
    rows (Iterable[Sequence[str]]): the cells of each row, already formatted.
    RETURNS (str): the table. A row whose cell count differs from the header's raises ValueError
        naming the row, so a table never comes out with shifted columns.
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for i, row in enumerate(rows, start=1):
        if len(row) != len(header):
            raise ValueError(f"row {i} has {len(row)} cells, the header {len(header)}: {list(row)}")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)
