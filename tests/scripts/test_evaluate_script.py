"""scripts/evaluate.py: per-document counts of the first DocBin (a folder first is refused before
the pipeline is loaded, and nothing is written); one row per DocBin of a folder; load overrides;
--check-held-out refuses a pipeline that trained on a scored document."""
import subprocess
import sys
from pathlib import Path

import spacy
from spacy.tokens import DocBin, Span
from spacy.training import Example

ROOT = Path(__file__).resolve().parents[2]


def test_counts_of_a_folder_are_refused(tmp_path):
    nlp = spacy.blank("en")
    data = tmp_path / "train"
    data.mkdir()
    for name in ["a.spacy", "b.spacy"]:
        DocBin(docs=[nlp("text")]).to_disk(data / name)
    outputs = ["report.json", "report.md", "counts.json"]
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/evaluate.py"), "no-pipeline", "train", *outputs[:2],
         "--counts", outputs[2]],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode != 0
    message = " ".join(result.stderr.replace("│", " ").split())  # typer boxes and wraps it
    assert "which must be a DocBin, not the folder train" in message
    assert not any((tmp_path / path).exists() for path in outputs)


def test_a_folder_of_dev_splits_gives_one_row_per_corpus_and_their_mean(tmp_path, trained_pipeline):
    """As `evaluate-corpora` scores dev.spacy and dev/: each DocBin under its own task, with the
    gold mention count, and the folder's mean F1 is the mean of its rows."""
    import json

    from spacy_aioner.tokenizer import blank_biomedical

    make = blank_biomedical()
    model = tmp_path / "model"
    trained_pipeline.to_disk(model)
    (tmp_path / "dev").mkdir()
    for name, task, text, ents in [
        ("dev.spacy", "ALL", "BRCA1 causes breast cancer .", [(0, 1, "Gene"), (2, 4, "Disease")]),
        ("dev/A.Gene.spacy", "Gene", "TP53 binds MDM2 .", [(0, 1, "Gene"), (2, 3, "Gene")]),
        ("dev/B.Disease.spacy", "Disease", "asthma in mice .", [(0, 1, "Disease")]),
    ]:
        doc = make(text)
        doc.ents = [Span(doc, start, end, label) for start, end, label in ents]
        doc._.aioner_task = task
        DocBin(docs=[doc], store_user_data=True).to_disk(tmp_path / name)
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/evaluate.py"), str(model), "dev.spacy", "dev", "out.json", "out.md",
         "--counts", "counts.json", "--check-held-out"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "0 held-out documents of dev.spacy dev (0)" in result.stdout  # the documents carry no id
    assert json.loads((tmp_path / "counts.json").read_text())["data"] == "dev.spacy"
    report = json.loads((tmp_path / "out.json").read_text())
    rows = report["results"]
    assert [(name, rows[name]["task"], rows[name]["mentions"]) for name in rows] == [
        ("dev.spacy", "ALL", 2), ("A.Gene.spacy", "Gene", 2), ("B.Disease.spacy", "Disease", 1)]
    mean = report["mean_f"]["dev"]
    assert mean["docbins"] == 2
    assert abs(mean["ents_f"] - (rows["A.Gene.spacy"]["ents_f"] + rows["B.Disease.spacy"]["ents_f"]) / 2) < 1e-9
    assert "Mean F1 of the 2 DocBins of dev:" in (tmp_path / "out.md").read_text()


def test_overrides_apply_when_loading(tmp_path, trained_pipeline):
    """--override SECTION.KEY=JSON reaches spacy.load: a threshold of 1.0 leaves no entity."""
    import json

    from spacy_aioner.tokenizer import blank_biomedical

    model = tmp_path / "model"
    trained_pipeline.to_disk(model)
    doc = blank_biomedical()("BRCA1 causes breast cancer .")
    doc.ents = [Span(doc, 0, 1, "Gene")]
    doc._.aioner_task = "ALL"
    DocBin(docs=[doc], store_user_data=True).to_disk(tmp_path / "dev.spacy")
    scores = {}
    for name, extra in [("plain", []), ("strict", ["--override", "components.aioner.min_score=1.0"])]:
        result = subprocess.run([sys.executable, str(ROOT / "scripts/evaluate.py"), str(model), "dev.spacy",
                                 f"{name}.json", f"{name}.md", *extra], cwd=tmp_path, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        scores[name] = json.loads((tmp_path / f"{name}.json").read_text())
    assert scores["plain"]["results"]["dev.spacy"]["ents_r"] == 1.0
    assert scores["strict"]["results"]["dev.spacy"]["ents_r"] == 0.0
    assert scores["strict"]["overrides"] == {"components": {"aioner": {"min_score": 1.0}}}


def with_id(doc, doc_id):
    doc._.aioner_doc_id = doc_id
    return doc


def test_a_pipeline_scored_on_its_training_documents_is_refused(tmp_path, trained_pipeline):
    from spacy_aioner.tokenizer import blank_biomedical

    model = tmp_path / "model"
    trained_pipeline.to_disk(model)
    nlp = spacy.load(model)  # a copy, recording what a real training records: a document it learned from
    trained_id = "PMID-trained"
    nlp.get_pipe("aioner").record_training_docs([Example(nlp.make_doc("BRCA1 ."), with_id(nlp.make_doc("BRCA1 ."), trained_id))])
    nlp.to_disk(model)
    docs = []
    for doc_id in ["never-seen", trained_id]:
        doc = blank_biomedical()("BRCA1 causes breast cancer .")
        doc._.aioner_task, doc._.aioner_doc_id = "ALL", doc_id
        docs.append(doc)
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "dev.spacy")
    command = [sys.executable, str(ROOT / "scripts/evaluate.py"), str(model), "dev.spacy", "out.json", "out.md"]
    refused = subprocess.run([*command, "--check-held-out"], cwd=tmp_path, capture_output=True, text=True)
    assert refused.returncode == 1
    assert f"1 held-out documents ({trained_id})" in refused.stdout and not (tmp_path / "out.json").exists()
    unchecked = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert unchecked.returncode == 0, unchecked.stderr
