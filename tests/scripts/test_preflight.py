"""scripts/preflight.py: a workflow's later steps are checked for their imports before it trains."""
import os
import subprocess
import sys
from pathlib import Path

import srsly

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import preflight  # noqa: E402


def run(args, cwd, env=None):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})})


def hide_module(tmp_path: Path, name: str) -> dict:
    """An environment in which `import name` fails as it does where the module is not installed."""
    shadow = tmp_path / "shadow"
    (shadow / name).mkdir(parents=True)
    (shadow / name / "__init__.py").write_text(f"raise ModuleNotFoundError(\"No module named '{name}'\")\n")
    return {"PYTHONPATH": os.pathsep.join([str(shadow), str(ROOT)])}


def test_the_user_workflows_import_everything_here():
    result = run([sys.executable, "scripts/preflight.py", "all", "staged", "packaged", "distilled", "scored", "screened", "linking"], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "third-party modules" in result.stdout


def test_the_all_workflow_needs_what_its_later_steps_import():
    files = preflight.workflow_files(srsly.read_yaml(ROOT / "project.yml"), "all", ROOT)
    assert ROOT / "scripts/calibrate.py" in files and ROOT / "scripts/add_abbreviations.py" in files
    needed = preflight.required_modules(files)
    # matplotlib: imported inside calibrate's plot function; scispacy: through the package's lazy
    # `spacy_aioner.scispacy` attributes; nmslib: the linker that the abbreviation module's package holds
    assert {"matplotlib", "scispacy", "spacy_transformers", "torch"} <= set(needed)
    assert needed["matplotlib"].name == "calibrate.py"
    # the service and the Ray engine are reachable from the CLI, but belong to other extras
    assert not {"ray", "fastapi", "uvicorn", "pytest"} & set(needed)


def test_a_missing_plotting_module_is_one_line_that_says_what_to_install(tmp_path):
    result = run([sys.executable, "scripts/preflight.py", "all"], cwd=ROOT, env=hide_module(tmp_path, "matplotlib"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "matplotlib (calibrate.py" in lines[0] and 'pip install -e ".[project]"' in lines[0]


def test_the_workflow_stops_before_its_training_step(tmp_path):
    """A project whose last step imports a missing module: preflight stops it before `train` runs."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    (project / "scripts/preflight.py").write_text((ROOT / "scripts/preflight.py").read_text())
    (project / "scripts/report.py").write_text("def main():\n    import no_such_module_of_aioner\n")
    (project / "scripts/train.py").write_text("import pathlib\npathlib.Path('trained').write_text('yes')\n")
    srsly.write_yaml(project / "project.yml", {
        "title": "preflight test",
        "commands": [
            {"name": "preflight", "script": ["python scripts/preflight.py all"]},
            {"name": "train", "script": ["python scripts/train.py"]},
            {"name": "report", "script": ["python scripts/report.py"]},
        ],
        "workflows": {"all": ["preflight", "train", "report"]},
    })
    result = run([sys.executable, "-m", "spacy", "project", "run", "all", "."], cwd=project)
    assert result.returncode != 0
    assert not (project / "trained").exists()
    assert "no_such_module_of_aioner (report.py" in result.stderr


def test_an_unknown_workflow_is_named(tmp_path):
    result = run([sys.executable, "scripts/preflight.py", "al"], cwd=ROOT)
    assert result.returncode == 2 and "no workflow 'al'" in result.stderr and "Traceback" not in result.stderr
