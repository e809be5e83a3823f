import io

import pytest

from spacy_aioner.corpora.docs import build_doc, build_docs
from spacy_aioner.corpora.pubtator import format_pubtator, read_pubtator, write_pubtator
from spacy_aioner.corpora.records import CorpusReport, CorpusFormatError

# Text written for these tests (no third-party corpus text is committed).
SAMPLE = (
    "111|t|Loss of HNF-6 causes growth hormone deficiency.\n"
    "111|a|Mice lacking\tHnf6 (a TAB inside the text) show diabetes.\n"
    "111\t8\t13\tHNF-6\tGene\t3175\n"
    "111\t21\t46\tgrowth hormone deficiency\tDisease\tD007018\n"
    "111\t21\t35\tgrowth hormone\tGene\t2688\n"
    "111\t48\t52\tMice\tSpecies\t10090\n"
    "111\t95\t103\tdiabetes\tDisease\n"
    "111\tCID\tD1\tD2\n"
    "\n"
    "222|t|Figure caption about HeLa cells.\n"
    "222|a|\n"
    "222\t21\t25\tHeLa\tCellLine\tCVCL_0030\n"
    "\n"
)
ALL_TYPES = {t: t for t in ("Gene", "Disease", "Species", "CellLine")}


def write(tmp_path, text, name="sample.PubTator", mode="w"):
    path = tmp_path / name
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf8")
    return path


def test_reads_tab_text_empty_abstract_and_nested_mentions(tmp_path, nlp):
    report = CorpusReport("sample", "ALL")
    docs = list(build_docs(nlp, read_pubtator(write(tmp_path, SAMPLE), report=report), "ALL", ALL_TYPES, report=report))
    first, second = docs
    assert "\tHnf6" in first.text
    spans = [(s.text, s.label_, s.kb_id_) for s in first.spans["aioner"]]
    assert ("growth hormone deficiency", "Disease", "D007018") in spans
    assert ("growth hormone", "Gene", "2688") in spans  # nested mention kept in spans
    assert [e.text for e in first.ents] == ["HNF-6", "growth hormone deficiency", "Mice", "diabetes"]
    assert first._.aioner_task == "ALL" and first._.aioner_doc_id == "111"
    assert second.text.endswith("\n") and [e.text for e in second.ents] == ["HeLa"]
    assert report.mentions_read == 6 and report.in_spans == 6 and report.nested_only == 1
    assert report.relations_ignored == 1 and report.reconciles()


def test_round_trip_is_exact(tmp_path, nlp):
    path = write(tmp_path, SAMPLE)
    docs = list(build_docs(nlp, read_pubtator(path), "ALL", ALL_TYPES))
    out = io.StringIO()
    assert write_pubtator(docs, out) == 2
    expected = "".join(line + "\n" for line in SAMPLE.splitlines() if "\tCID\t" not in line)
    assert sorted(out.getvalue().splitlines()) == sorted(expected.splitlines())


def test_unmapped_and_duplicate_mentions_are_counted(tmp_path, nlp):
    text = SAMPLE.replace("111\t48\t52\tMice\tSpecies\t10090\n", "111\t48\t52\tMice\tSpecies\t10090\n" * 2)
    report = CorpusReport("sample", "Disease")
    docs = list(build_docs(nlp, read_pubtator(write(tmp_path, text)), "Disease", {"Disease": "Disease"}, report=report))
    assert [s.text for s in docs[0].spans["aioner"]] == ["growth hormone deficiency", "diabetes"]
    assert report.mentions_read == 7 and report.in_spans == 2
    assert report.drops["type 'Species' not mapped for task Disease"] == 2
    assert report.reconciles()


def test_expanded_mention_keeps_exact_offsets(tmp_path, nlp):
    text = "5|t|Culexspecies bite.\n5|a|\n5\t0\t5\tCulex\tSpecies\n\n"
    report = CorpusReport("x", "Species")
    doc = next(build_docs(nlp, read_pubtator(write(tmp_path, text)), "Species", None, report=report))
    assert report.expanded == 1 and doc.ents[0].text == "Culexspecies"
    assert format_pubtator(doc) == text


@pytest.mark.parametrize(
    "bad,message",
    [
        ("111\t8\t13\tHNF-6\n", "line 3, document '111': expected 5 or 6"),
        ("111\t8\tx\tHNF-6\tGene\n", "line 3, document '111': offsets '8', 'x' are not numbers"),
        ("111\t8\t14\tHNF-6\tGene\n", "line 3, document '111': mention text does not match"),
        ("111\t800\t805\tHNF-6\tGene\n", "line 3, document '111': mention out of range"),
        ("999\t8\t13\tHNF-6\tGene\n", "line 3, document '999': annotation line outside its document"),
    ],
)
def test_bad_lines_name_file_line_and_document(tmp_path, nlp, bad, message):
    lines = SAMPLE.splitlines(keepends=True)
    path = write(tmp_path, "".join(lines[:2] + [bad] + lines[2:]))
    with pytest.raises(CorpusFormatError, match=message) as err:
        list(build_docs(nlp, read_pubtator(path), "ALL", ALL_TYPES))
    assert str(path) in str(err.value)
    if "outside its document" in message:
        return  # structural errors stay errors even when lenient (next test)
    report = CorpusReport(str(path), "ALL")
    docs = list(build_docs(nlp, read_pubtator(path, report=report, lenient=True), "ALL", ALL_TYPES, report=report, lenient=True))
    assert len(docs) == 2 and report.dropped == 1 and report.reconciles()


def test_outside_document_is_structural_even_when_lenient(tmp_path, nlp):
    path = write(tmp_path, "999\t8\t13\tHNF-6\tGene\n")
    with pytest.raises(CorpusFormatError, match="line 1"):
        list(read_pubtator(path, lenient=True))


def test_non_utf8_bytes_name_the_line(tmp_path):
    path = write(tmp_path, b"1|t|ok\n1|a|caf\xe9\n\n", mode="wb")
    with pytest.raises(CorpusFormatError, match=r"line 2: not UTF-8"):
        list(read_pubtator(path))


def test_empty_document_is_counted(tmp_path, nlp):
    report = CorpusReport("x", "ALL")
    doc = build_doc(nlp, next(read_pubtator(write(tmp_path, "7|t|\n7|a|\n\n"))), "ALL", report=report)
    assert len(doc.ents) == 0 and report.empty_documents == 1
