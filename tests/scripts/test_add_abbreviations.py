"""scripts/add_abbreviations.py, as `release-package` runs it: the release was trained on the dev
split, so the dev scores training wrote to meta.json must not reach the package; the calibration
that `release-calibrate` fitted must."""
import json
import subprocess
import sys
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parents[2]


def add_abbreviations(tmp_path, model, name, *options):
    output = tmp_path / name
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/add_abbreviations.py"), str(model), str(output), *options],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    return output


def test_dropped_dev_scores_leave_the_meta_and_it_says_why(tmp_path, trained_pipeline):
    model = tmp_path / "model"
    trained_pipeline.to_disk(model)
    nlp = spacy.load(model)  # a copy: the session's pipeline stays as it is
    calibration = {"Gene": (2.0, -1.0)}
    nlp.get_pipe("aioner").set_calibration(calibration)
    nlp.meta["performance"] = {"ents_f": 0.9, "ents_per_type": {"Gene": {"f": 0.9}}}
    nlp.meta["description"] = "AIO tagger"
    nlp.to_disk(model)

    kept = add_abbreviations(tmp_path, model, "kept")
    assert json.loads((kept / "meta.json").read_text())["performance"]["ents_f"] == 0.9

    release = add_abbreviations(tmp_path, model, "release", "--dev-scores", "drop")
    meta = json.loads((release / "meta.json").read_text())
    assert meta["performance"] == {}
    assert meta["description"].startswith("AIO tagger Trained on every annotated BioRED document")
    nlp = spacy.load(release)
    assert nlp.pipe_names[-2:] == ["abbreviation_detector", "aioner_abbreviations"]
    assert nlp.get_pipe("aioner").labels == trained_pipeline.get_pipe("aioner").labels
    assert {label: tuple(ab) for label, ab in nlp.get_pipe("aioner").calibration.items()} == calibration
