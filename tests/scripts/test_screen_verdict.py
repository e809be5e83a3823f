"""scripts/screen_verdict.py: issue 47's rule on two runs.csv rows, with the dev mention counts
taken from a gold DocBin (a type under the threshold never blocks a lever)."""
import csv
import subprocess
import sys
from pathlib import Path

import spacy
from spacy.tokens import DocBin, Span

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ["name", "F", "F_Gene", "F_CellLine"]


def write_dev(path, genes, cell_lines):
    nlp = spacy.blank("en")
    doc = nlp(" ".join(["BRCA1"] * genes + ["HeLa"] * cell_lines))
    doc.ents = [Span(doc, i, i + 1, label="Gene" if i < genes else "CellLine") for i in range(len(doc))]
    DocBin(docs=[doc]).to_disk(path)


def verdict(tmp_path, variant):
    runs = tmp_path / "runs.csv"
    with open(runs, "w", newline="", encoding="utf8") as stream:
        writer = csv.DictWriter(stream, COLUMNS)
        writer.writeheader()
        writer.writerow({"name": "base", "F": "80.00", "F_Gene": "80.00", "F_CellLine": "80.00"})
        writer.writerow({"name": "lever", **variant})
    dev = tmp_path / "dev.spacy"
    write_dev(dev, genes=120, cell_lines=20)
    result = subprocess.run([sys.executable, str(ROOT / "scripts/screen_verdict.py"), str(runs), "base", "lever",
                             "--dev", str(dev)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "| Gene | 120 |" in result.stdout.replace("  ", " ")
    return result.stdout.strip().splitlines()[-1]


def test_gain_with_a_loss_on_a_rare_type_is_adopted(tmp_path):
    assert verdict(tmp_path, {"F": "80.60", "F_Gene": "80.50", "F_CellLine": "70.00"}) == "lever vs base: adopted"


def test_small_gain_is_not_adopted(tmp_path):
    line = verdict(tmp_path, {"F": "80.40", "F_Gene": "81.00", "F_CellLine": "80.00"})
    assert line == "lever vs base: not adopted: F1 gain +0.40 < +0.50"


def test_loss_on_a_frequent_type_blocks_a_gain(tmp_path):
    line = verdict(tmp_path, {"F": "81.00", "F_Gene": "78.90", "F_CellLine": "90.00"})
    assert line == "lever vs base: not adopted: Gene (120 mentions) -1.10 < -1.00"
