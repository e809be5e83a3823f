"""What the workflow smoke tests share: a copy of the project, and a workflow run with training
shortened the way a user would, through spaCy's own override variable.

Also a script, with no test dependency: `python tests/project/workflow.py all` runs the shortened
workflow in a temporary copy of the project. CI runs it in an environment that holds exactly what
README's main-job line installs (.ci/readme_main_job), so a dependency that only the test extra
gives fails CI."""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT.parent / "shared" / "corpora"
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
        [sys.executable, "-m", "spacy", "project", "run", workflow, ".", "--vars.corpus_dir", str(CORPORA / "pubtator"),
         "--vars.external_tokens", "300", "--vars.external_dev", "0.02", *extra_vars],
        cwd=project, env={**os.environ, "SPACY_CONFIG_OVERRIDES": f"{SHORT_TRAINING} {overrides}".strip()},
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


if __name__ == "__main__":
    workflow = sys.argv[1] if len(sys.argv) > 1 else "all"
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(Path(tmp))
        try:
            run_short_workflow(project, workflow)
        except AssertionError as err:
            sys.exit(f"the shortened {workflow!r} workflow failed:\n{err}")
        packages = sorted(p.name for p in (project / "packages").glob("*/*/dist/*.tar.gz"))
        print(f"the shortened {workflow!r} workflow ran end to end; packages: {packages}")
