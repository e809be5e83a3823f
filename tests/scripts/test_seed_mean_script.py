"""scripts/seed_mean.py pools significance reports of several seeds (only reports of the same
documents), overall and per type, and averages without an interval when a report lacks
per-document counts."""
import json
import subprocess
import sys
from pathlib import Path

import numpy

from spacy_aioner.bootstrap import f1 as micro_f1

ROOT = Path(__file__).resolve().parents[2]


def f1(counts):
    return float(micro_f1(numpy.asarray(counts).sum(axis=0)))


def report(path, ids, counts_a, counts_b, by_type_a=None, by_type_b=None):
    """A report shaped as scripts/significance.py writes it (per-type counts when given)."""
    content = {"f1_a": f1(counts_a), "f1_b": f1(counts_b), "difference": f1(counts_a) - f1(counts_b),
               "document_ids": ids, "counts_a": counts_a, "counts_b": counts_b}
    if by_type_a is not None:
        content.update({"counts_by_type_a": by_type_a, "counts_by_type_b": by_type_b})
    path.write_text(json.dumps(content))
    return str(path)


def seed_mean(*args):
    return subprocess.run([sys.executable, str(ROOT / "scripts/seed_mean.py"), *map(str, args), "--samples", "200"],
                          capture_output=True, text=True)


def test_reports_of_two_seeds_are_pooled(tmp_path):
    seed0 = report(tmp_path / "s0.json", ["1", "2"], [[3, 0, 0], [1, 1, 1]], [[2, 1, 1], [1, 1, 1]])
    seed1 = report(tmp_path / "s1.json", ["1", "2"], [[1, 1, 1], [1, 1, 1]], [[1, 1, 1], [1, 1, 1]])
    result = seed_mean(tmp_path / "mean.json", seed0, seed1)
    assert result.returncode == 0, result.stderr
    pooled = json.loads((tmp_path / "mean.json").read_text())
    assert pooled["runs"] == 2 and pooled["reports"] == [seed0, seed1]
    # seed 0: 8/10 − 6/10; seed 1: no difference
    assert abs(pooled["difference"] - 0.1) < 1e-9
    assert "mean over 2 runs" in result.stdout


def test_reports_of_other_documents_are_refused(tmp_path):
    seed0 = report(tmp_path / "s0.json", ["1", "2"], [[1, 0, 0]] * 2, [[1, 0, 0]] * 2)
    other = report(tmp_path / "s1.json", ["1", "3"], [[1, 0, 0]] * 2, [[1, 0, 0]] * 2)
    result = seed_mean(tmp_path / "mean.json", seed0, other)
    assert result.returncode != 0 and "s1.json scores other documents" in result.stderr
    assert not (tmp_path / "mean.json").exists()


def test_reports_without_counts_give_the_mean_and_say_why_there_is_no_interval(tmp_path):
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"f1_a": 0.8, "f1_b": 0.7, "difference": 0.1}))
    new = report(tmp_path / "new.json", ["1"], [[1, 1, 0]], [[1, 1, 0]])
    result = seed_mean(tmp_path / "mean.json", old, new)
    assert result.returncode == 0, result.stderr
    pooled = json.loads((tmp_path / "mean.json").read_text())
    assert abs(pooled["difference"] - 0.05) < 1e-9 and "ci95_low" not in pooled
    assert str(old) in pooled["no_interval"] and str(new) not in pooled["no_interval"]


def test_per_type_counts_are_pooled_per_type(tmp_path):
    gene_a, gene_b = [[2, 0, 0], [1, 0, 0]], [[1, 1, 1], [1, 0, 0]]
    disease = [[0, 0, 0], [0, 1, 1]]
    seed0 = report(tmp_path / "s0.json", ["1", "2"], [[2, 0, 0], [1, 1, 1]], [[1, 1, 1], [1, 1, 1]],
                   {"Gene": gene_a, "Disease": disease}, {"Gene": gene_b, "Disease": disease})
    seed1 = report(tmp_path / "s1.json", ["1", "2"], [[2, 0, 0], [1, 1, 1]], [[2, 0, 0], [1, 1, 1]],
                   {"Gene": gene_a, "Disease": disease}, {"Gene": gene_a, "Disease": disease})
    result = seed_mean(tmp_path / "mean.json", seed0, seed1)
    assert result.returncode == 0, result.stderr
    per_type = json.loads((tmp_path / "mean.json").read_text())["per_type"]
    assert sorted(per_type) == ["Disease", "Gene"]
    # Gene: seed 0 gives 6/6 − 4/6, seed 1 no difference; Disease: no difference in either seed
    assert abs(per_type["Gene"]["difference"] - (1 - 4 / 6) / 2) < 1e-9 and per_type["Gene"]["runs"] == 2
    assert per_type["Disease"]["difference"] == 0.0
    assert "  Gene: mean over 2 runs" in result.stdout


def test_a_report_without_per_type_counts_is_named(tmp_path):
    counts = [[1, 0, 0]] * 2
    typed = report(tmp_path / "s0.json", ["1", "2"], counts, counts, {"Gene": counts}, {"Gene": counts})
    untyped = report(tmp_path / "s1.json", ["1", "2"], counts, counts)
    result = seed_mean(tmp_path / "mean.json", typed, untyped)
    assert result.returncode == 0, result.stderr
    pooled = json.loads((tmp_path / "mean.json").read_text())
    assert "per_type" not in pooled and pooled["no_per_type"] == f"no per-type counts in {untyped}"
    assert "ci95_low" in pooled


def test_reports_counting_other_types_are_refused(tmp_path):
    counts = [[1, 0, 0]] * 2
    gene = report(tmp_path / "s0.json", ["1", "2"], counts, counts, {"Gene": counts}, {"Gene": counts})
    disease = report(tmp_path / "s1.json", ["1", "2"], counts, counts, {"Disease": counts}, {"Disease": counts})
    result = seed_mean(tmp_path / "mean.json", gene, disease)
    assert result.returncode != 0 and "s1.json has per-type counts of other types" in result.stderr
    assert not (tmp_path / "mean.json").exists()


def test_left_out_documents_are_scored_without(tmp_path):
    gene = [[1, 0, 0], [0, 3, 3], [1, 0, 0]]
    seed0 = report(tmp_path / "s0.json", ["1", "2", "3"], [[1, 0, 0], [0, 3, 3], [1, 0, 0]],
                   [[1, 0, 0], [0, 0, 0], [0, 1, 1]], {"Gene": gene}, {"Gene": [[0, 0, 0]] * 3})
    result = seed_mean(tmp_path / "mean.json", seed0, "--leave-out", "2")
    assert result.returncode == 0, result.stderr
    pooled = json.loads((tmp_path / "mean.json").read_text())
    # documents 1 and 3 only: A 2/2 found, B 1 right, 1 wrong, 1 missed
    assert pooled["left_out"] == ["2"] and pooled["documents"] == 2
    assert abs(pooled["difference"] - (1 - 2 / 4)) < 1e-9
    assert pooled["per_type"]["Gene"]["documents"] == 2 and pooled["per_type"]["Gene"]["f1_a"] == 1.0


def test_leaving_out_a_document_no_report_scores_is_refused(tmp_path):
    seed0 = report(tmp_path / "s0.json", ["1", "2"], [[1, 0, 0]] * 2, [[1, 0, 0]] * 2)
    result = seed_mean(tmp_path / "mean.json", seed0, "--leave-out", "2,7")
    assert result.returncode != 0 and "s0.json scores no document 7" in result.stderr
    assert not (tmp_path / "mean.json").exists()
