"""scripts/per_type_tally.py counts, per entity type, the reports in which A is ahead, behind or
level; it names reports without per-type results, counts a report given twice once, and names
a file that is no report."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def write_report(path: Path, per_type=None):
    report = {"difference": 0.01}
    if per_type is not None:
        report["per_type"] = {label: {"difference": gap} for label, gap in per_type.items()}
    path.write_text(json.dumps(report))


def test_tally_per_type_names_reports_without_per_type_results(tmp_path):
    write_report(tmp_path / "one.json", {"Gene": 0.012, "Disease": -0.003})
    write_report(tmp_path / "two.json", {"Gene": 0.0, "Disease": 0.02})
    write_report(tmp_path / "old.json")
    paths = [str(tmp_path / name) for name in ("one.json", "two.json", "old.json", "one.json")]
    result = subprocess.run([sys.executable, str(ROOT / "scripts/per_type_tally.py"), *paths],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "3 reports (1 given twice), 2 with per-type results, 1 without"
    assert lines[1].strip() == f"without per-type results: {(tmp_path / 'old.json').resolve()}"
    assert "| Disease | 2 | 1 | 1 | 0 | -0.30 | +2.00 |" in lines
    assert "| Gene | 2 | 1 | 0 | 1 | +0.00 | +1.20 |" in lines


def test_a_file_that_is_no_report_is_named(tmp_path):
    (tmp_path / "counts.json").write_text(json.dumps({"per_type": {"Gene": [[1, 0, 0]]}}))
    result = subprocess.run([sys.executable, str(ROOT / "scripts/per_type_tally.py"), str(tmp_path / "counts.json")],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert f"{(tmp_path / 'counts.json').resolve()}: not a paired-bootstrap report" in result.stderr
