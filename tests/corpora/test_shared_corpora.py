"""The shipped manifest over the real training corpora in ../shared/corpora."""
import io

import pytest

from spacy_aioner.corpora.docbin import convert_manifest
from spacy_aioner.corpora.docs import build_docs, doc_mentions
from spacy_aioner.corpora.manifest import load_manifest
from spacy_aioner.corpora.pubtator import read_pubtator, write_pubtator
from spacy_aioner.corpora.records import CorpusReport
from tests.conftest import CORPORA, corpus_file

ENTRIES = load_manifest()


def count_mention_lines(path):
    """Independent count: lines of 5 or 6 TAB fields whose second field is a number."""
    count = 0
    for line in path.read_text(encoding="utf8").splitlines():
        if "|t|" in line.split("\t")[0] or "|a|" in line.split("\t")[0]:
            continue
        fields = line.split("\t")
        if len(fields) in (5, 6) and fields[1].isdigit():
            count += 1
    return count


@pytest.fixture(scope="module")
def converted(tmp_path_factory, nlp):
    corpus_file("pubtator", "BioRED_TrainDev.PubTator")
    out = tmp_path_factory.mktemp("corpus")
    reports = convert_manifest(
        nlp, ENTRIES, CORPORA / "pubtator", out, dev_file="BioRED_TrainDev.PubTator", dev_docs=100, lenient=True
    )
    return out, reports


def test_reports_reconcile_with_the_source_files(converted):
    out, reports = converted
    assert len(reports) == len(ENTRIES) == 10
    for entry, report in zip(ENTRIES, reports):
        assert report.reconciles(), report.to_dict()
        assert report.mentions_read == count_mention_lines(CORPORA / "pubtator" / entry.file), entry.file
        # only unmapped types, duplicates and the few source errors are dropped
        for reason in report.drops:
            assert reason.startswith(("type ", "duplicate", "mention text does not match")), reason
    assert (out / "dev.spacy").exists() and len(list((out / "train").glob("*.spacy"))) == 10


def test_dev_split_is_the_last_100_biored_documents(converted, nlp):
    from spacy.tokens import DocBin

    out, _ = converted
    dev = list(DocBin().from_disk(out / "dev.spacy").get_docs(nlp.vocab))
    train = list(DocBin().from_disk(out / "train" / "BioRED_TrainDev.ALL.spacy").get_docs(nlp.vocab))
    ids = [d.id for d in read_pubtator(CORPORA / "pubtator" / "BioRED_TrainDev.PubTator")]
    assert [d._.aioner_doc_id for d in dev] == ids[-100:]
    assert [d._.aioner_doc_id for d in train] == ids[:400]
    assert all(d._.aioner_task == "ALL" for d in dev)  # user data survives the DocBin


def test_every_biored_mention_is_in_the_spans_at_its_offsets(nlp):
    path = corpus_file("pubtator", "BioRED_TrainDev.PubTator")
    entry = next(e for e in ENTRIES if e.file == path.name)
    report = CorpusReport(str(path), "ALL")
    sources = list(read_pubtator(path))
    docs = list(build_docs(nlp, sources, "ALL", entry.type_map, report=report))
    assert report.dropped == 0
    for source, doc in zip(sources, docs):
        spans = {(s.start_char, s.end_char, s.label_) for s in doc.spans["aioner"]}
        exact = {(start, end, span.label_) for start, end, span in doc_mentions(doc)}
        for m in source.mentions:
            assert doc.text[m.start : m.end] == m.text
            assert (m.start, m.end, m.type) in exact
            if (m.start, m.end, m.type) not in spans:  # expanded to whole tokens, recorded
                assert f"{m.start}:{m.end}" in str(doc._.aioner_exact) or any(
                    [m.start, m.end] in pairs for pairs in doc._.aioner_exact.values()
                )
    assert report.expanded == sum(len(p) for d in docs for p in (d._.aioner_exact or {}).values())


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e.file}:{e.task}")
def test_pubtator_round_trip_is_exact(entry, nlp):
    path = corpus_file("pubtator", entry.file)
    report = CorpusReport(str(path), entry.task)
    sources = list(read_pubtator(path))
    docs = list(build_docs(nlp, sources, entry.task, entry.type_map, report=report, lenient=True))
    out = io.StringIO()
    write_pubtator(docs, out)
    out_path = path.name
    reread = list(read_pubtator_text(out.getvalue(), out_path))
    assert [(d.id, [p.text for p in d.passages]) for d in reread] == [
        (s.id, [p.text for p in s.passages]) for s in sources
    ]
    source_set = {
        (s.id, m.start, m.end, m.text, entry.type_map[m.type], m.identifier)
        for s in sources for m in s.mentions if m.type in entry.type_map
    }
    written = {(d.id, m.start, m.end, m.text, m.type, m.identifier) for d in reread for m in d.mentions}
    assert written <= source_set
    errors = sum(n for reason, n in report.drops.items() if reason.startswith("mention text"))
    duplicates = sum(n for reason, n in report.drops.items() if reason.startswith("duplicate"))
    # a duplicate (same offsets, same mapped type) may differ in identifier (Gene vs FamilyName)
    assert errors <= len(source_set - written) <= errors + duplicates


def read_pubtator_text(text, name):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf8")
        yield from read_pubtator(path)
