"""What the workflow smoke tests share: a copy of the project, and a workflow run with training
shortened the way a user would, through spaCy's own override variable.

The workflows run under AIONER_WORKFLOW_PYTHON when it is set: CI sets it to the environment that
README's main-job line installs (.ci/readme_main_job), so a workflow step that needs something only
the test extra gives fails CI (issue 59)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT.parent / "shared" / "corpora"
# the interpreter of the project's commands: the README main job's environment in CI
PYTHON = os.environ.get("AIONER_WORKFLOW_PYTHON", sys.executable)
SHORT_TRAINING = "--training.max_steps 4 --training.eval_frequency 2 --corpora.dev.limit 5"


def copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("project.yml", "configs", "scripts", "assets"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, project / name)
    return project


def run_short_workflow(project: Path, workflow: str, *extra_vars: str, overrides: str = "") -> str:
    """`workflow` (or profile) on the shared corpora with tiny caps and dev splits, a few training
    steps (and any other config `overrides`); its output."""
    result = subprocess.run(
        [PYTHON, "-m", "spacy", "project", "run", workflow, ".", "--vars.corpus_dir", str(CORPORA / "pubtator"),
         "--vars.external_tokens", "300", "--vars.external_dev", "0.02", *extra_vars],
        cwd=project, env={**os.environ, "SPACY_CONFIG_OVERRIDES": f"{SHORT_TRAINING} {overrides}".strip()},
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout

