"""scripts/calibrate.py on a folder of dev splits, as `release-calibrate` runs it on the external
ones: each DocBin is read under its own task, the fitted calibration is saved with the pipeline."""
import json
import subprocess
import sys
from pathlib import Path

import spacy
from spacy.tokens import DocBin

from tests.pipeline.conftest import TRAIN

ROOT = Path(__file__).resolve().parents[2]


def test_a_folder_of_task_docbins_is_calibrated_under_each_task(tmp_path, trained_pipeline):
    model = tmp_path / "model"
    trained_pipeline.to_disk(model)
    (tmp_path / "dev").mkdir()
    for number, (text, ents, _) in enumerate(TRAIN[:2]):  # one split per task, as convert writes them
        task = ents[0][1]
        doc = trained_pipeline.make_doc(text)
        doc.ents = [doc.char_span(text.index(t), text.index(t) + len(t), label=label) for t, label in ents
                    if label == task]
        doc._.aioner_task = task
        DocBin(docs=[doc], store_user_data=True).to_disk(tmp_path / "dev" / f"C{number}.{task}.spacy")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/calibrate.py"), str(model), "dev", "calibrated", "--report", "cal.json",
         "--reliability", "rel.png", "--pr", "pr.png", "--pr-table", "pr.md"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "cal.json").read_text())
    # the gold of each split is its own task's: Gene in one, Chemical in the other
    assert sorted(report["precision_recall"]) == ["Chemical", "Gene"]
    assert report["mentions"] > 0
    saved = spacy.load(tmp_path / "calibrated").get_pipe("aioner").calibration
    assert {label: list(ab) for label, ab in saved.items()} == report["calibration"]
