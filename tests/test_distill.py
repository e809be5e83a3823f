"""spacy_aioner.distill and the student's pieces: teacher labels (gold wins for a corpus's own
types, dev documents never labelled), the soft-label term of the aioner pipe, and a student
encoder that keeps N layers through save and load."""
import json
import subprocess
import sys
from pathlib import Path

import numpy
import pytest
import spacy
from spacy.tokens import DocBin
from spacy.training import Example

from spacy_aioner.distill import TeacherReport, corpus_of, gold_and_silver, group_by_corpus, merge_gold, teacher_label
from spacy_aioner.pipeline.aioner import TEACHER_KEY
from spacy_aioner.scheme import AIO, ALL
from tests.pipeline.conftest import train
from tests.tiny_bert import build_tiny_bert

ROOT = Path(__file__).resolve().parents[1]
TEXT = "BRCA1 mutation causes breast cancer in human patients treated with aspirin."


def gold_doc(nlp, task, mentions, doc_id="1"):
    doc = nlp.make_doc(TEXT)
    doc._.aioner_task = task
    doc._.aioner_doc_id = doc_id
    doc.ents = [doc.char_span(TEXT.index(t), TEXT.index(t) + len(t), label=label) for t, label in mentions]
    doc.spans["aioner"] = list(doc.ents)
    return doc


@pytest.fixture(scope="module")
def teacher(trained_pipeline, tmp_path_factory):
    """The trained tiny pipeline, and where it is saved."""
    path = tmp_path_factory.mktemp("teacher") / "pipeline"
    trained_pipeline.to_disk(path)
    return trained_pipeline, path


def test_one_text_annotated_as_two_tasks_is_one_document_with_both_golds(nlp):
    report = TeacherReport()
    texts = merge_gold([gold_doc(nlp, "Disease", [("breast cancer", "Disease")]),
                        gold_doc(nlp, "Chemical", [("aspirin", "Chemical")]),
                        gold_doc(nlp, "Gene", [("BRCA1", "Gene")], doc_id="dev-1")], {"dev-1"}, report)
    assert len(texts) == 1 and texts[0].gold_types == {"Disease", "Chemical"}
    assert {label for _, _, label in texts[0].mentions} == {"Disease", "Chemical"}
    assert report.documents_read == 3 and report.excluded == 1


def test_gold_wins_for_its_types_and_the_soft_targets_agree_with_the_merged_tags(teacher):
    nlp, _ = teacher
    report = TeacherReport()
    source = gold_doc(nlp, "Disease", [("breast cancer", "Disease")])
    [doc] = list(teacher_label(nlp, merge_gold([source], set(), report), report))
    assert doc._.aioner_task == ALL and doc._.aioner_doc_id == "1"
    assert [t.text for t in doc] == [t.text for t in source]
    diseases = [(e.text, e.label_) for e in doc.ents if e.label_ == "Disease"]
    assert diseases == [("breast cancer", "Disease")]  # the corpus's own type: gold only
    assert sum(report.teacher_added.values()) > 0  # the teacher adds the other types
    assert all(e.label_ != "Disease" for e in doc.ents if e.text != "breast cancer")
    target = doc.user_data[TEACHER_KEY]
    assert target.dtype == numpy.float16 and target.shape == (len(doc), len(AIO.labels))
    assert numpy.allclose(target.astype("float32").sum(axis=1), 1.0, atol=1e-2)
    tags = AIO.spans_to_tags(doc, doc.ents, ALL)
    assert [AIO.labels[i] for i in target.argmax(axis=1)] == tags
    assert report.texts == 1 and report.gold == {"Disease": 1}


def test_the_soft_label_term_adds_the_gap_to_the_teacher_to_the_gradient(teacher):
    nlp, _ = teacher
    aioner = nlp.get_pipe("aioner")
    doc = gold_doc(nlp, ALL, [("BRCA1", "Gene")])
    pred = nlp.make_doc(TEXT)
    pred._.aioner_task = ALL
    target = numpy.full((len(doc), len(AIO.labels)), 0.0, dtype="float32")
    target[:, AIO.label_ids["O"]] = 1.0
    doc.user_data[TEACHER_KEY] = target
    example = Example(nlp.get_pipe("aioner_transformer")(pred), doc)
    emissions = aioner.model.predict([example.predicted])
    try:
        aioner.distill_weight = 0.0
        loss0, d0 = aioner.get_loss([example], emissions)
        aioner.distill_weight = 2.0
        loss2, d2 = aioner.get_loss([example], emissions)
    finally:
        aioner.distill_weight = 0.0
    mask = numpy.asarray(AIO.allowed_mask(ALL), dtype=bool)
    scores = numpy.where(mask[None, :], numpy.asarray(emissions[0]), -1e4)
    probs = numpy.exp(scores - scores.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    assert loss2 > loss0
    assert numpy.allclose(numpy.asarray(d2[0]) - numpy.asarray(d0[0]), 2.0 * (probs - target), atol=1e-4)


def test_a_student_trains_on_teacher_labels_and_keeps_its_layers_through_save_and_load(teacher, tmp_path):
    nlp_teacher, _ = teacher
    report = TeacherReport()
    sources = [gold_doc(nlp_teacher, "Disease", [("breast cancer", "Disease")], doc_id=str(i)) for i in range(4)]
    docs = list(teacher_label(nlp_teacher, merge_gold(sources, set(), report), report))
    student = _student(tmp_path, layers=1)  # the tiny BERT has two
    stored = DocBin(docs=docs, store_user_data=True).to_bytes()  # as the teacher-label command writes them
    examples = []
    for doc in DocBin().from_bytes(stored).get_docs(student.vocab):
        assert doc.user_data[TEACHER_KEY].shape == (len(doc), len(AIO.labels))
        pred = student.make_doc(doc.text)
        pred._.aioner_task = ALL
        examples.append(Example(pred, doc))
    losses = train(student, examples, steps=10)
    assert losses["aioner"] > 0
    encoder = student.get_pipe("aioner_transformer").model.transformer
    assert encoder.config.num_hidden_layers == 1 and len(encoder.encoder.layer) == 1
    student.to_disk(tmp_path / "student")
    loaded = spacy.load(tmp_path / "student")
    assert len(loaded.get_pipe("aioner_transformer").model.transformer.encoder.layer) == 1
    assert loaded.get_pipe("aioner").distill_weight == 1.0
    assert [(e.text, e.label_) for e in loaded(TEXT).ents] == [(e.text, e.label_) for e in student(TEXT).ents]


def _student(tmp_path, layers):
    from spacy_aioner.tokenizer import make_biomedical_tokenizer

    nlp = spacy.blank("en")
    nlp.tokenizer = make_biomedical_tokenizer(nlp)
    spans = {"@span_getters": "spacy-transformers.strided_spans.v1", "window": 16, "stride": 12}
    nlp.add_pipe("aioner_transformer", config={"model": {
        "name": str(build_tiny_bert(tmp_path / "student_bert")), "get_spans": spans,
        "transformer_config": {"num_hidden_layers": layers}}})
    nlp.add_pipe("aioner", config={"model": {"hidden_width": 32}, "distill_weight": 1.0})
    return nlp


def test_corpus_names_group_the_task_files_of_one_corpus():
    assert corpus_of("BC5CDR_TrainDev.Chemical.spacy") == "BC5CDR_TrainDev"
    assert corpus_of("BioID_Train_revision.CellLine.spacy") == "BioID_Train_revision"
    assert group_by_corpus(["b.Gene.spacy", "a.Disease.spacy", "a.Chemical.spacy"]) == {
        "a": ["a.Chemical.spacy", "a.Disease.spacy"], "b": ["b.Gene.spacy"]}


def test_teacher_label_command_writes_one_all_docbin_per_corpus_and_skips_dev_documents(teacher, nlp, tmp_path):
    _, model = teacher
    train_dir, dev = tmp_path / "train", tmp_path / "dev.spacy"
    train_dir.mkdir()
    DocBin(docs=[gold_doc(nlp, "Chemical", [("aspirin", "Chemical")], "7"), gold_doc(nlp, "Chemical", [], "dev-1")],
           store_user_data=True).to_disk(train_dir / "X_Train.Chemical.spacy")
    DocBin(docs=[gold_doc(nlp, "Disease", [("breast cancer", "Disease")], "7")],
           store_user_data=True).to_disk(train_dir / "X_Train.Disease.spacy")
    DocBin(docs=[gold_doc(nlp, ALL, [], "dev-1")], store_user_data=True).to_disk(dev)
    cmd = [sys.executable, "-m", "spacy_aioner", "teacher-label", str(model), str(train_dir), str(tmp_path / "out"),
           "--exclude", str(dev)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["X_Train.ALL.spacy", "teacher_report.json"]
    docs = list(DocBin().from_disk(tmp_path / "out/X_Train.ALL.spacy").get_docs(nlp.vocab))
    assert [d._.aioner_doc_id for d in docs] == ["7"]  # the dev document is never labelled
    assert {("aspirin", "Chemical"), ("breast cancer", "Disease")} <= {(e.text, e.label_) for e in docs[0].ents}
    assert docs[0].user_data[TEACHER_KEY].shape == (len(docs[0]), len(AIO.labels))
    assert docs[0]._.aioner_task == ALL
    # through the DocBin, gold and silver stay apart: the gold as converted, the silver as reported
    counts = gold_and_silver(docs)
    logged = json.loads((tmp_path / "out/teacher_report.json").read_text())["X_Train"]
    assert counts["gold"] == {"Chemical": 1, "Disease": 1}
    assert counts["silver"] == logged["teacher_added"] and sum(counts["silver"].values()) > 0
    assert not set(counts["silver"]) & {"Chemical", "Disease"}  # the corpus's own types: gold only
    report = subprocess.run([sys.executable, str(ROOT / "scripts/silver_report.py"), str(tmp_path / "out"),
                             str(tmp_path / "silver.md")], capture_output=True, text=True)
    assert report.returncode == 0, report.stderr[-2000:]
    row = next(line for line in (tmp_path / "silver.md").read_text().splitlines() if line.startswith("| X_Train |"))
    assert "| 1 / 0 | 1 / 0 |" in row  # Chemical and Disease: one gold each, no silver
    again = subprocess.run(cmd, capture_output=True, text=True)  # a rerun keeps what is done
    assert again.returncode == 0 and "already labelled" in again.stdout
