"""convert on a bad day (issue 42): a BOM, a bad second file, an empty file."""
import json

from spacy.tokens import DocBin

from tests.cli.test_convert_cli import convert_pubtator

DOC = "{i}|t|BRCA1 mutations cause breast cancer.\n{i}|a|Aspirin induced diabetes.\n{i}\t0\t5\tBRCA1\tGene\n\n"


def write_corpus(folder, files):
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def lines(*names):
    return [f"{name}\tGene\tGene:Gene\n" for name in names]


def test_a_byte_order_mark_is_removed_and_reported(tmp_path, nlp):
    corpus = write_corpus(tmp_path / "c", {"bom.PubTator": b"\xef\xbb\xbf" + "".join(DOC.format(i=i) for i in (1, 2)).encode()})
    out, result = convert_pubtator(tmp_path, lines("bom.PubTator"), "--dev-docs", "0", corpus_dir=corpus)
    assert "removed the UTF-8 byte order mark at the start of" in result.stdout
    report = json.loads((out / "report.json").read_text())
    assert report[0]["byte_order_mark"] is True and report[0]["written_mentions"] == 2
    docs = list(DocBin().from_disk(out / "train" / "bom.Gene.spacy").get_docs(nlp.vocab))
    assert [d._.aioner_doc_id for d in docs] == ["1", "2"]


def test_a_bad_second_file_leaves_no_partial_output(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"good.PubTator": DOC.format(i=1).encode(),
                                           "bad.PubTator": b"7\t0\t5\tBRCA1\tGene\n"})
    out, result = convert_pubtator(tmp_path, lines("good.PubTator", "bad.PubTator"), "--dev-docs", "0",
                                   corpus_dir=corpus, check=False)
    assert result.returncode == 1 and "bad.PubTator, line 1" in result.stderr
    assert not out.exists()  # not even the good file's DocBin
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # nor a staging folder


def test_a_failed_rerun_keeps_the_earlier_conversion(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"good.PubTator": DOC.format(i=1).encode()})
    out, _ = convert_pubtator(tmp_path, lines("good.PubTator"), "--dev-docs", "0", corpus_dir=corpus)
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (corpus / "bad.PubTator").write_bytes(b"7\t0\t5\tBRCA1\tGene\n")
    _, result = convert_pubtator(tmp_path, lines("good.PubTator", "bad.PubTator"), "--dev-docs", "0",
                                 corpus_dir=corpus, check=False)
    assert result.returncode == 1
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_lenient_skips_a_bad_file_with_the_report(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"good.PubTator": DOC.format(i=1).encode(),
                                           "bad.PubTator": b"7\t0\t5\tBRCA1\tGene\n"})
    out, result = convert_pubtator(tmp_path, lines("good.PubTator", "bad.PubTator"), "--dev-docs", "0",
                                   "--lenient", corpus_dir=corpus)
    report = json.loads((out / "report.json").read_text())
    assert report[1]["failed"].startswith(str(corpus / "bad.PubTator") + ", line 1")
    assert "skipped as a whole (--lenient)" in result.stdout
    assert sorted(p.name for p in (out / "train").iterdir()) == ["good.Gene.spacy"]


def test_an_empty_file_is_a_warning(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"good.PubTator": DOC.format(i=1).encode(), "empty.PubTator": b""})
    out, result = convert_pubtator(tmp_path, lines("good.PubTator", "empty.PubTator"), "--dev-docs", "0", corpus_dir=corpus)
    assert f"warning: {corpus / 'empty.PubTator'}: no documents in this file" in result.stdout
    report = json.loads((out / "report.json").read_text())
    assert report[1]["warnings"] == [f"{corpus / 'empty.PubTator'}: no documents in this file"]


def test_a_users_file_in_the_output_folder_is_never_deleted(tmp_path):
    """Issue 61 (5): convert into an existing folder replaced train/ as a whole, a user's file in
    it included, without a word."""
    corpus = write_corpus(tmp_path / "c", {"good.PubTator": DOC.format(i=1).encode()})
    out, _ = convert_pubtator(tmp_path, lines("good.PubTator"), "--dev-docs", "0", corpus_dir=corpus)
    _, again = convert_pubtator(tmp_path, lines("good.PubTator"), "--dev-docs", "0", corpus_dir=corpus)
    assert again.returncode == 0  # a conversion's own output is replaced
    (out / "train" / "notes.txt").write_text("mine", encoding="utf8")
    _, result = convert_pubtator(tmp_path, lines("good.PubTator"), "--dev-docs", "0", corpus_dir=corpus, check=False)
    assert result.returncode == 1 and "notes.txt: not written by convert" in result.stderr
    assert (out / "train" / "notes.txt").read_text() == "mine"
    (out / "train" / "notes.txt").unlink()
    (out / "dev").mkdir()
    (out / "dev" / "mine").mkdir()
    _, result = convert_pubtator(tmp_path, lines("good.PubTator"), "--dev-docs", "0", corpus_dir=corpus, check=False)
    assert result.returncode == 1 and "mine: not written by convert" in result.stderr and (out / "dev" / "mine").is_dir()
