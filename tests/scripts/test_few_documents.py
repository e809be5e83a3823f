"""scripts/few_documents.py: the table of issue 63's runs (overall and per-type F1, steps,
minutes) from the project's evaluate reports and runs.csv, runs not made yet named, and the plot
written."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def report(path: Path, f: float, gene: float) -> None:
    path.write_text(json.dumps({"results": {"dev.spacy": {"ents_f": f, "ents_per_type": {"Gene": {"f": gene}}}}}))


def test_the_table_has_each_run_made_and_names_the_others(tmp_path):
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    report(metrics / "biored10.json", 0.40, 0.30)
    report(metrics / "aio10.json", 0.75, 0.70)
    (metrics / "aio10_train_time.json").write_text(json.dumps(
        {"seconds": 3600, "command": ["python", "-m", "spacy", "train", "aioner.cfg", "--training.max_steps", "1800"]}))
    report(tmp_path / "baseline.json", 0.82, 0.81)
    report(tmp_path / "all.json", 0.84, 0.83)
    (tmp_path / "runs.csv").write_text("name,F,steps,train_minutes\nbase400,82.00,1800,115\nmix400,84.00,1800,91\n")
    result = subprocess.run([sys.executable, str(ROOT / "scripts/few_documents.py"), str(metrics), "out.md", "out.png",
                             "--baseline", "baseline.json", "--all", "all.json", "--runs", "runs.csv",
                             "--baseline-name", "base400", "--all-name", "mix400"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    rows = (tmp_path / "out.md").read_text().splitlines()
    assert rows[2] == "| BioRED alone | 10 | biored10 | 40.00 | 30.00 | – | – | – | – | – | – | – |"
    assert rows[3] == "| with every external corpus (AIO) | 10 | aio10 | 75.00 | 70.00 | – | – | – | – | – | 1800 | 60 |"
    # the 400-document points: their minutes from their rows of runs.csv
    assert rows[4].startswith("| BioRED alone | 400 | base400 | 82.00 |") and rows[4].endswith("| 1800 | 115 |")
    assert rows[5].startswith("| with every external corpus (AIO) | 400 | mix400 | 84.00 |") and rows[5].endswith("| 1800 | 91 |")
    assert rows[-1] == "Not run yet: biored50, aio50, biored100, aio100, naive."
    assert (tmp_path / "out.png").stat().st_size > 1000
