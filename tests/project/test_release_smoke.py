"""The `release` workflow with tiny overrides, on the real offline MiniLM: all of BioRED trains,
the external dev splits are those of `convert` and none of their documents trains, the release is
scored and calibrated on them, and its package carries no dev scores."""
import json
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

from spacy_aioner.extensions import install_extensions
from tests.conftest import corpus_file
from tests.project.workflow import copy_project, run_short_workflow


def doc_ids(folder: Path):
    install_extensions()
    vocab = spacy.blank("en").vocab
    return {path.name: [doc._.aioner_doc_id for doc in DocBin().from_disk(path).get_docs(vocab)]
            for path in sorted(folder.glob("*.spacy"))}


def test_release_workflow_runs_end_to_end(tmp_path):
    corpus_file("pubtator", "BioRED_TrainDev.PubTator")
    project = copy_project(tmp_path)
    run_short_workflow(project, "release")
    report = json.loads((project / "corpus/release/report.json").read_text())
    biored = [r for r in report if "BioRED" in r["path"]][0]
    assert biored["written_documents"] == 500 and biored["dev_documents"] == 0
    held_out = doc_ids(project / "corpus/release/dev")
    assert not (project / "corpus/all").exists()  # the release converts what it needs itself
    run_short_workflow(project, "convert")
    assert held_out == doc_ids(project / "corpus/all/dev") and len(held_out) == 9
    trained = {i for ids in doc_ids(project / "corpus/release/train").values() for i in ids}
    assert not trained & {i for ids in held_out.values() for i in ids}
    scores = json.loads((project / "metrics/release.json").read_text())
    assert scores["model"] == "training/release/model-last" and list(scores["mean_f"]) == ["corpus/release/dev"]
    assert scores["mean_f"]["corpus/release/dev"]["docbins"] == 9 and "dev.spacy" not in scores["results"]
    calibration = json.loads((project / "metrics/release_calibration.json").read_text())
    assert calibration["data"] == "corpus/release/dev" and calibration["mentions"] > 0
    final = spacy.load(project / "training/release/model-final")
    assert final.meta["performance"] == {}
    fitted = {label: pytest.approx(ab) for label, ab in calibration["calibration"].items()}
    assert {label: list(ab) for label, ab in final.get_pipe("aioner").calibration.items()} == fitted
    assert len(list((project / "packages/release").glob("*/dist/*.tar.gz"))) == 1
