import itertools

import bioc
import pytest

from spacy_aioner.corpora.bioc import read_bioc, write_bioc
from spacy_aioner.corpora.conll import read_conll
from spacy_aioner.corpora.docs import build_docs, doc_mentions
from spacy_aioner.corpora.manifest import load_manifest
from spacy_aioner.corpora.pubtator import read_pubtator
from spacy_aioner.corpora.records import CorpusReport, CorpusFormatError
from tests.conftest import corpus_file


def test_full_text_reads_with_passages_and_offsets_intact(nlp, tmp_path):
    path = corpus_file("examples", "ex2.BioC.xml")
    with open(path, encoding="utf8") as stream:
        collection = bioc.biocxml.load(stream)
    docs = list(build_docs(nlp, read_bioc(path), "ALL"))
    assert [d._.aioner_doc_id for d in docs] == [d.id for d in collection.documents]
    for doc, document in zip(docs, collection.documents):
        assert len(doc._.aioner_passages) == len(document.passages) > 2
        for record, passage in zip(doc._.aioner_passages, document.passages):
            assert record["offset"] == passage.offset
            assert doc.text[record["start"] : record["end"]] == (passage.text or "")
            assert record["infons"] == passage.infons
    out = tmp_path / "out.xml"
    assert write_bioc(docs, out) == len(docs)
    with open(out, encoding="utf8") as stream:
        written = bioc.biocxml.load(stream)
    for a, b in zip(written.documents, collection.documents):
        assert a.id == b.id and a.infons == b.infons
        assert [(p.offset, p.text or "", p.infons) for p in a.passages] == [
            (p.offset, p.text or "", p.infons) for p in b.passages
        ]


def test_annotated_bioc_round_trip_is_exact(nlp, tmp_path):
    path = corpus_file("pubtator", "BioRED_TrainDev.PubTator")
    entry = next(e for e in load_manifest() if e.file == path.name)
    sources = list(itertools.islice(read_pubtator(path), 60))
    docs = list(build_docs(nlp, sources, "ALL", entry.type_map))
    out = tmp_path / "biored.xml"
    write_bioc(docs, out)
    reread = list(read_bioc(out))
    expected = {(s.id, m.start, m.end, m.text, m.type, m.identifier) for s in sources for m in s.mentions}
    got = {(d.id, m.start, m.end, m.text, m.type, m.identifier) for d in reread for m in d.mentions}
    assert got == expected
    again = list(build_docs(nlp, reread, "ALL"))
    assert [[(a, b, s.label_) for a, b, s in doc_mentions(d)] for d in again] == [
        [(a, b, s.label_) for a, b, s in doc_mentions(d)] for d in docs
    ]


def test_bad_bioc_names_the_file(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_text("<collection><document><id>1</id><passage><offset>0</offset>", encoding="utf8")
    with pytest.raises(CorpusFormatError, match="bad.xml.*malformed BioC XML"):
        list(read_bioc(path))
    path.write_text(
        "<collection><source/><date/><key/><document><id>9</id><passage><offset>0</offset><text>abc def</text>"
        "<annotation id='a1'><location offset='0' length='3'/><location offset='4' length='3'/><text>abc def</text>"
        "<infon key='type'>Gene</infon></annotation></passage></document></collection>",
        encoding="utf8",
    )
    with pytest.raises(CorpusFormatError, match="document '9': discontinuous annotation"):
        list(read_bioc(path))
    report = CorpusReport(str(path), "ALL")
    assert list(read_bioc(path, report=report, lenient=True))[0].mentions == []
    assert report.dropped == 1 and report.mentions_read == 1


def test_conll_blocks_become_documents_with_their_task(nlp):
    path = corpus_file("conll", "BioRED_TrainDev-ALL.conll")
    sources = list(itertools.islice(read_conll(path), 200))
    lines = path.read_text(encoding="utf8").splitlines()
    report = CorpusReport(str(path), "ALL")
    docs = list(build_docs(nlp, sources, report=report))
    assert all(d._.aioner_task == "ALL" for d in docs)
    assert docs[0].text.startswith("Hepatocyte nuclear factor - 6 :")
    assert docs[0].ents[0].text == "Hepatocyte nuclear factor - 6" and docs[0].ents[0].label_ == "Gene"
    # every B- label of those blocks is a mention in the spans, nothing dropped
    n_blocks, n_begin = 0, 0
    for line in lines:
        n_blocks += line.startswith("</ALL>")
        if n_blocks >= 200:
            break
        n_begin += line.split("\t")[-1].startswith("B-")
    assert report.mentions_read == report.in_spans >= n_begin > 0


def test_conll_errors_name_the_line(tmp_path):
    path = tmp_path / "x.conll"
    path.write_text("<ALL>\tO\nfoo\tB-Gene\nbar\n</ALL>\tO\n", encoding="utf8")
    with pytest.raises(CorpusFormatError, match="x.conll, line 3"):
        list(read_conll(path))
    path.write_text("<ALL>\tO\nfoo\tB-Gene\n</Gene>\tO\n", encoding="utf8")
    with pytest.raises(CorpusFormatError, match="line 3.*closes a block opened as <ALL>"):
        list(read_conll(path))
