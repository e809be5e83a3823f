"""What the workflow smoke tests share: a copy of the project, and a workflow run with training
shortened the way a user would, through spaCy's own override variable."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import CORPORA

ROOT = Path(__file__).resolve().parents[2]
SHORT_TRAINING = "--training.max_steps 4 --training.eval_frequency 2 --corpora.dev.limit 5"


def copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("project.yml", "configs", "scripts", "assets"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, project / name)
    return project


def run_short_workflow(project: Path, workflow: str) -> None:
    """`workflow` on the shared corpora with tiny caps and dev splits, a few training steps."""
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "project", "run", workflow, ".", "--vars.corpus_dir", str(CORPORA / "pubtator"),
         "--vars.external_tokens", "300", "--vars.external_dev", "0.02"],
        cwd=project, env={**os.environ, "SPACY_CONFIG_OVERRIDES": SHORT_TRAINING}, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
