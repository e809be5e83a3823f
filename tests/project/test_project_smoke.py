"""The whole `all` workflow with tiny overrides, on the real offline MiniLM: convert, train a
few steps, evaluate, package; then the packaged pipeline installs and loads with no import."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import CORPORA, corpus_file

ROOT = Path(__file__).resolve().parents[2]


def run(args, cwd, env=None):
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_all_workflow_runs_end_to_end(tmp_path):
    corpus_file("pubtator", "BioRED_TrainDev.PubTator")
    project = tmp_path / "project"
    project.mkdir()
    for name in ("project.yml", "configs", "scripts"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, project / name)
    run([sys.executable, "-m", "spacy", "project", "run", "all", ".",
         "--vars.corpus_dir", str(CORPORA / "pubtator"), "--vars.max_steps", "4", "--vars.eval_frequency", "2",
         "--vars.external_tokens", "300", "--vars.dev_limit", "5"], cwd=project)
    report = json.loads((project / "corpus/aio/report.json").read_text())
    assert len(report) == 10 and all(r["mentions_read"] == r["in_spans"] + r["dropped"] for r in report)
    metrics = json.loads((project / "metrics/all.json").read_text())
    assert metrics["results"]["dev.spacy"]["docs"] == 100
    assert 0.0 <= metrics["results"]["dev.spacy"]["ents_f"] <= 1.0
    assert json.loads((project / "metrics/all_train_time.json").read_text())["exit_code"] == 0
    sdists = list((project / "packages").glob("*/dist/*.tar.gz"))
    assert len(sdists) == 1
    # the package installs (here into a target folder) and loads with no import of spacy_aioner
    target = tmp_path / "site"
    run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-q", "--target", str(target),
         str(sdists[0])], cwd=tmp_path)
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = run([sys.executable, "-c", "import spacy; nlp = spacy.load('en_aioner_minilm'); doc = nlp('BRCA1 in breast cancer.');"
               " print(nlp.pipe_names, 'aioner' in doc.spans)"], cwd=tmp_path, env=env)
    assert "['aioner_transformer', 'aioner'] True" in out
