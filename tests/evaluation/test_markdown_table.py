"""markdown_table builds the pipe tables of the reports, and refuses a row that would shift the
columns."""
import pytest

from spacy_aioner.markdown import markdown_table


def test_markdown_table_has_header_rule_and_one_line_per_row():
    table = markdown_table(["type", "F"], [["Gene", "83.10"], ["Disease", "79.02"]])
    assert table.splitlines() == ["| type | F |", "|---|---|", "| Gene | 83.10 |", "| Disease | 79.02 |"]


def test_markdown_table_with_no_rows_is_header_and_rule():
    assert markdown_table(["engine", "docs/s", "words/s"], []) == "| engine | docs/s | words/s |\n|---|---|---|"


def test_markdown_table_names_a_row_with_the_wrong_cell_count():
    with pytest.raises(ValueError, match=r"row 2 has 3 cells, the header 2"):
        markdown_table(["type", "F"], [["Gene", "83.10"], ["Disease", "79.02", "extra"]])
