"""scripts/record_run.py writes one row of runs.csv from an evaluation report and the time file of
a training: `timed.py`'s, or the `stages.json` of `train_stages.py` (steps summed over stages)."""
import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_report(path):
    scores = {"ents_p": 0.8, "ents_r": 0.9, "ents_f": 0.8470588,
              "ents_per_type": {"Gene": {"p": 0.8, "r": 0.9, "f": 0.8470588}}}
    path.write_text(json.dumps({"name": "run", "results": {"dev.spacy": scores}}))


def record(tmp_path, time_file, *extra):
    report = tmp_path / "report.json"
    write_report(report)
    out = tmp_path / "runs.csv"
    result = subprocess.run([sys.executable, str(ROOT / "scripts/record_run.py"), str(report), "--time", str(time_file),
                             "--out", str(out), "--name", "run", *extra], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(out.open(encoding="utf8")))


def test_row_from_a_staged_training(tmp_path):
    stage_command = load_script("train_stages").stage_command
    output = Path("training/full")
    commands = [stage_command(stage, output, Path("configs/aioner_minilm.cfg"), Path("configs/aioner_minilm_resume.cfg"),
                              1200, 1e-4, ["--paths.train", "corpus/x"]) for stage in (1, 2)]
    stages = tmp_path / "stages.json"
    stages.write_text(json.dumps({"stages": {"1": {"command": commands[0], "seconds": 3600.0},
                                             "2": {"command": commands[1], "seconds": 3000.0}}}))
    [row] = record(tmp_path, stages, "--data", "capped")
    assert (row["steps"], row["train_minutes"], row["config"]) == ("2400", "110", "aioner_minilm.cfg")
    assert row["peak_rate"] == "0.0002/0.0001"  # the config's rate, then the later stages'
    assert (row["F"], row["F_Gene"], row["data"]) == ("84.71", "84.71", "capped")


def test_row_from_a_single_training_keeps_its_overrides(tmp_path):
    timed = tmp_path / "time.json"
    timed.write_text(json.dumps({"command": ["python", "-m", "spacy", "train", "configs/aioner_minilm.cfg",
                                             "--training.max_steps", "300"],
                                 "seconds": 600.0, "config_overrides": "--system.seed 1"}))
    [row] = record(tmp_path, timed)
    assert (row["steps"], row["seed"], row["train_minutes"]) == ("300", "1", "10")
    assert row["note"] == "overrides: --system.seed 1"


def test_row_from_a_staged_training_keeps_its_overrides(tmp_path):
    stage_command = load_script("train_stages").stage_command
    command = stage_command(1, Path("training/x"), Path("configs/aioner_minilm.cfg"),
                            Path("configs/aioner_minilm_resume.cfg"), 1200, 1e-4, [])
    stages = tmp_path / "stages.json"
    overrides = "--system.seed 1 --components.aioner.model.case_features 64"
    stages.write_text(json.dumps({"stages": {"1": {"command": command, "seconds": 600.0, "config_overrides": overrides}}}))
    [row] = record(tmp_path, stages)
    assert (row["steps"], row["seed"]) == ("1200", "1")
    assert row["note"] == "overrides: --system.seed 1 --components.aioner.model.case_features 64"


def test_the_seed_training_reads_and_a_note_beside_the_overrides(tmp_path):
    """`--training.seed` (what training reads) wins over the config's system.seed, and a given
    note keeps the overrides beside it."""
    timed = tmp_path / "time.json"
    timed.write_text(json.dumps({"command": ["python", "-m", "spacy", "train", "configs/aioner_minilm.cfg"],
                                 "seconds": 600.0, "config_overrides": "--training.seed 2"}))
    [row] = record(tmp_path, timed, "--note", "corpus/x/teacher")
    assert row["seed"] == "2"
    assert row["note"] == "corpus/x/teacher; overrides: --training.seed 2"
