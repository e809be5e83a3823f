"""scripts/evaluate.py writes per-document counts for one DocBin only: a folder of several is
refused before the pipeline is loaded, and nothing is written."""
import subprocess
import sys
from pathlib import Path

import spacy
from spacy.tokens import DocBin

ROOT = Path(__file__).resolve().parents[2]


def test_counts_of_a_folder_of_several_docbins_are_refused(tmp_path):
    nlp = spacy.blank("en")
    data = tmp_path / "train"
    data.mkdir()
    for name in ["a.spacy", "b.spacy"]:
        DocBin(docs=[nlp("text")]).to_disk(data / name)
    outputs = ["report.json", "report.md", "counts.json"]
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/evaluate.py"), "no-pipeline", "train", *outputs[:2],
         "--counts", outputs[2]],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode != 0
    assert "--counts takes one DocBin; train give 2" in result.stderr
    assert not any((tmp_path / path).exists() for path in outputs)
