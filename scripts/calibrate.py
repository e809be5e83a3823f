"""Fit the aioner pipe's per-type calibration on a dev split and save the calibrated pipeline,
with a report: expected calibration error before and after, a reliability diagram, and per type
the precision and recall a `min_score` would give (table and plot).

  python scripts/calibrate.py training/all/model-best corpus/all/dev.spacy training/all/model-calibrated \
      --report metrics/all_calibration.json --reliability docs/reliability.png --pr docs/precision_recall.png
"""
import json
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

import spacy
import typer

from spacy_aioner.calibration import calibrate, expected_calibration_error, fit_platt, reliability
from spacy_aioner.extensions import SPANS_KEY
from spacy_aioner.training_corpus import create_task_corpus

THRESHOLDS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]


def predictions(nlp, dev: Path) -> Tuple[List[Tuple[str, float, bool, int]], Dict[str, int]]:
    """(type, raw score, in the gold standard, document number) of every predicted mention, and
    gold counts per type."""
    examples = list(create_task_corpus(dev)(nlp))
    docs = nlp.pipe([eg.predicted for eg in examples])
    found, gold_counts = [], defaultdict(int)
    for number, (eg, doc) in enumerate(zip(examples, docs)):
        gold = eg.reference.spans[SPANS_KEY] if SPANS_KEY in eg.reference.spans else eg.reference.ents
        keys = {(s.start_char, s.end_char, s.label_) for s in gold}
        for _, _, label in keys:
            gold_counts[label] += 1
        group = doc.spans[SPANS_KEY]
        raw = group.attrs.get("raw_scores", group.attrs["scores"])
        found.extend((s.label_, float(score), (s.start_char, s.end_char, s.label_) in keys, number)
                     for s, score in zip(group, raw))
    return found, dict(gold_counts)


def precision_recall(found, gold_counts, calibration) -> Dict[str, List[dict]]:
    table = {}
    for label in sorted(gold_counts):
        scored = [(calibrate(score, label, calibration), ok) for lab, score, ok, _ in found if lab == label]
        rows = []
        for t in THRESHOLDS:
            kept = [ok for score, ok in scored if score >= t]
            p = sum(kept) / len(kept) if kept else 1.0
            rows.append({"min_score": t, "precision": round(p, 4), "recall": round(sum(kept) / gold_counts[label], 4),
                         "mentions": len(kept)})
        table[label] = rows
    return table


def main(model: Path, dev: Path, output: Path, report: Path = typer.Option(Path("metrics/all_calibration.json")),
         reliability_png: Path = typer.Option(Path("docs/reliability.png"), "--reliability"),
         pr_png: Path = typer.Option(Path("docs/precision_recall.png"), "--pr"),
         pr_table: Path = typer.Option(Path("metrics/precision_recall.md"), "--pr-table")):
    nlp = spacy.load(model)
    pipe = nlp.get_pipe("aioner")
    pipe.set_calibration({})
    found, gold_counts = predictions(nlp, dev)
    calibration = fit(found)
    # the "after" figures are out of fold: each half of the documents scored by a map fitted on the other
    halves = [fit([m for m in found if m[3] % 2 != parity]) for parity in (0, 1)]
    before = [score for _, score, _, _ in found]
    after = [calibrate(score, label, halves[number % 2]) for label, score, _, number in found]
    correct = [ok for _, _, ok, _ in found]
    results = {
        "model": str(model), "data": str(dev), "mentions": len(found),
        "ece_before": round(expected_calibration_error(before, correct), 4),
        "ece_after_out_of_fold": round(expected_calibration_error(after, correct), 4),
        "calibration": {label: list(ab) for label, ab in calibration.items()},
        "reliability_before": reliability(before, correct), "reliability_after": reliability(after, correct),
        "precision_recall": precision_recall(found, gold_counts, calibration),
    }
    pipe.set_calibration(calibration)
    nlp.to_disk(output)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(results, indent=2), encoding="utf8")
    plot(results, reliability_png, pr_png)
    pr_table.write_text(pr_markdown(results), encoding="utf8")
    typer.echo(f"ECE on {dev}: {results['ece_before']:.4f} before, {results['ece_after_out_of_fold']:.4f} after "
               f"(out of fold, {len(found)} mentions)")


def pr_markdown(results: dict) -> str:
    """Per type, the precision / recall (mentions kept) each `min_score` gives, as Markdown."""
    from wasabi import MarkdownRenderer

    table = results["precision_recall"]
    labels = sorted(table)
    rows = [[f"{t:g}"] + [f"{100 * table[l][i]['precision']:.1f} / {100 * table[l][i]['recall']:.1f}" for l in labels]
            for i, t in enumerate(THRESHOLDS)]
    return (f"Precision / recall (%) on {results['data']} by `min_score` (calibrated scores); ECE "
            f"{results['ece_before']:.3f} before calibration, {results['ece_after_out_of_fold']:.3f} after (out of fold).\n\n"
            + MarkdownRenderer().table(rows, ["min_score"] + labels) + "\n")


def fit(found) -> Dict[str, Tuple[float, float]]:
    """A Platt map per type from (type, score, correct, document) mentions."""
    by_type = defaultdict(list)
    for label, score, ok, _ in found:
        by_type[label].append((score, ok))
    return {label: fit_platt([s for s, _ in pairs], [ok for _, ok in pairs]) for label, pairs in by_type.items()}


def plot(results: dict, reliability_png: Path, pr_png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 4), dpi=90)
    ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8)
    for key, name in (("reliability_before", "CRF score"), ("reliability_after", "calibrated")):
        ax.plot([b[0] for b in results[key]], [b[1] for b in results[key]], marker="o", markersize=3, label=name)
    ax.set_xlabel("score")
    ax.set_ylabel("share of mentions right")
    ax.legend(frameon=False)
    fig.tight_layout()
    reliability_png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(reliability_png)
    fig, ax = plt.subplots(figsize=(5, 4), dpi=90)
    for label, rows in results["precision_recall"].items():
        ax.plot([r["recall"] for r in rows], [r["precision"] for r in rows], marker=".", label=label)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(pr_png)


if __name__ == "__main__":
    typer.run(main)
