"""The `release` workflow with tiny overrides, on the real offline MiniLM: all of BioRED trains,
the external dev splits are those of `convert` and none of their documents trains, the release is
scored and calibrated on them, and its package carries no dev scores."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

from spacy_aioner.extensions import install_extensions
from tests.conftest import CORPORA, corpus_file

ROOT = Path(__file__).resolve().parents[2]


def doc_ids(folder: Path):
    install_extensions()
    vocab = spacy.blank("en").vocab
    return {path.name: [doc._.aioner_doc_id for doc in DocBin().from_disk(path).get_docs(vocab)]
            for path in sorted(folder.glob("*.spacy"))}


def test_release_workflow_runs_end_to_end(tmp_path):
    corpus_file("pubtator", "BioRED_TrainDev.PubTator")
    project = tmp_path / "project"
    project.mkdir()
    for name in ("project.yml", "configs", "scripts", "assets"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, project / name)
    short = {**os.environ, "SPACY_CONFIG_OVERRIDES": "--training.max_steps 4 --training.eval_frequency 2 --corpora.dev.limit 5"}
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "project", "run", "release", ".", "--vars.corpus_dir", str(CORPORA / "pubtator"),
         "--vars.external_tokens", "300", "--vars.external_dev", "0.02"],
        cwd=project, env=short, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((project / "corpus/release/report.json").read_text())
    biored = [r for r in report if "BioRED" in r["path"]][0]
    assert biored["written_documents"] == 500 and biored["dev_documents"] == 0
    held_out = doc_ids(project / "corpus/release/dev")
    assert held_out == doc_ids(project / "corpus/aio/dev") and len(held_out) == 9
    trained = {i for ids in doc_ids(project / "corpus/release/train").values() for i in ids}
    assert not trained & {i for ids in held_out.values() for i in ids}
    scores = json.loads((project / "metrics/release_corpora.json").read_text())
    assert scores["mean_f"]["corpus/aio/dev"]["docbins"] == 9
    calibration = json.loads((project / "metrics/release_calibration.json").read_text())
    assert calibration["data"] == "corpus/aio/dev" and calibration["mentions"] > 0
    final = spacy.load(project / "training/release/model-final")
    assert final.meta["performance"] == {}
    fitted = {label: pytest.approx(ab) for label, ab in calibration["calibration"].items()}
    assert {label: list(ab) for label, ab in final.get_pipe("aioner").calibration.items()} == fitted
    assert len(list((project / "packages/release").glob("*/dist/*.tar.gz"))) == 1
