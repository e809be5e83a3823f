"""scripts/check_dev_overlap.py finds training documents whose id a held-out DocBin, or a folder
of them (the converted test sets), also has: in a folder of training DocBins, or among the
documents a trained pipeline learned from."""
import subprocess
import sys
from pathlib import Path

from spacy_aioner.corpora.docbin import save_docs
from tests.pipeline.conftest import make_examples, make_nlp, train
from tests.tiny_bert import build_tiny_bert

ROOT = Path(__file__).resolve().parents[2]


def docs_with_ids(nlp, *ids):
    docs = []
    for doc_id in ids:
        doc = nlp(f"abstract {doc_id}")
        doc._.aioner_doc_id = doc_id
        docs.append(doc)
    return docs


def check(*args):
    return subprocess.run([sys.executable, str(ROOT / "scripts/check_dev_overlap.py"), *map(str, args)],
                          capture_output=True, text=True)


def test_a_training_file_holding_a_test_document_fails_the_audit(tmp_path, nlp):
    save_docs(docs_with_ids(nlp, "111", "222"), tmp_path / "train/corpus_a.spacy")
    save_docs(docs_with_ids(nlp, "333"), tmp_path / "train/corpus_b.spacy")
    save_docs(docs_with_ids(nlp, "222", "444"), tmp_path / "test/Set_One.spacy")
    save_docs(docs_with_ids(nlp, "555"), tmp_path / "test/Set_Two.spacy")
    result = check(tmp_path / "train", tmp_path / "test")
    assert result.returncode == 1
    assert "corpus_a.spacy: 1 held-out documents (222)" in result.stdout and "corpus_b" not in result.stdout
    assert f"1 held-out documents of {tmp_path / 'test'} (3)" in result.stdout
    assert "Convert again" in result.stderr
    clean = check(tmp_path / "train", tmp_path / "test/Set_Two.spacy")
    assert clean.returncode == 0 and clean.stdout.startswith("0 held-out documents")


def test_a_pipeline_trained_on_a_test_document_fails_the_audit_whatever_the_folder_holds_now(tmp_path, nlp):
    pipeline = make_nlp(build_tiny_bert(tmp_path / "bert"))
    examples = make_examples(pipeline)
    for doc_id, eg in zip(["111", "222", "333", "444", "555"], examples):
        eg.reference._.aioner_doc_id = doc_id
    train(pipeline, examples, steps=1)
    pipeline.to_disk(tmp_path / "model")
    save_docs(docs_with_ids(nlp, "222", "666"), tmp_path / "test/Set_One.spacy")
    save_docs(docs_with_ids(nlp, "111"), tmp_path / "train/corpus_a.spacy")  # the folder reconverted since
    assert check(tmp_path / "train", tmp_path / "test").returncode == 0
    result = check(tmp_path / "model", tmp_path / "test")
    assert result.returncode == 1
    for pipe in ("aioner", "aioner_transformer"):
        assert f"{tmp_path / 'model'} [{pipe}]: 1 held-out documents (222)" in result.stdout
    assert f"1 held-out documents of {tmp_path / 'test'} (2) in the training documents of" in result.stdout


def test_a_pipeline_without_a_record_is_refused_not_passed(tmp_path, nlp):
    untrained = make_nlp(build_tiny_bert(tmp_path / "bert"))
    untrained.initialize(lambda: make_examples(untrained))
    untrained.to_disk(tmp_path / "model")
    save_docs(docs_with_ids(nlp, "222"), tmp_path / "test.spacy")
    result = check(tmp_path / "model", tmp_path / "test.spacy")
    assert result.returncode == 2 and "keeps no record of its training documents" in result.stderr
