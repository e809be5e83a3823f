"""scripts/timed.py --skip-done: a finished command is not run again for the same command line,
config overrides and inputs; a changed input, other overrides or a missing output run it again."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_finished_run_is_skipped_only_while_nothing_it_used_changed(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.spacy").write_bytes(b"one")
    runs = tmp_path / "runs.txt"
    command = [sys.executable, str(ROOT / "scripts/timed.py"), "time.json", "--skip-done", "out", "--dep", "data", "--",
               sys.executable, "-c", "import pathlib; pathlib.Path('out').mkdir(exist_ok=True); "
               "open('runs.txt', 'a').write('x')"]

    def run(**env):
        result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env={**os.environ, **env})
        assert result.returncode == 0, result.stderr
        return result.stdout

    run(SPACY_CONFIG_OVERRIDES="")
    assert "made by this command, with these inputs, before" in run(SPACY_CONFIG_OVERRIDES="")
    assert runs.read_text() == "x"
    record = json.loads((tmp_path / "time.json").read_text())
    assert record["exit_code"] == 0 and list(record["dep_checksums"]) == ["data"]
    run(SPACY_CONFIG_OVERRIDES="--training.max_steps 4")  # other overrides: a different training
    assert runs.read_text() == "xx"
    (data / "a.spacy").write_bytes(b"two")  # other data
    run(SPACY_CONFIG_OVERRIDES="--training.max_steps 4")
    assert runs.read_text() == "xxx"
    (tmp_path / "out").rmdir()  # the output gone
    run(SPACY_CONFIG_OVERRIDES="--training.max_steps 4")
    assert runs.read_text() == "xxxx"
