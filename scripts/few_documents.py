"""Issue 63's evidence on this encoder, as a table and a plot: BioRED dev F1 (overall and per type),
training steps and minutes of BioRED alone and of BioRED with every external corpus under the AIO
scheme, against the number of BioRED training documents, with the naive merge beside them and the
paper's points drawn for reference: few_documents.py METRICS OUT.md OUT.png.

Runs are read from METRICS/<run>.json (the project's `evaluate`): biored10/50/100 and aio10/50/100
(`spacy project run few-documents`), naive (`spacy project run naive`); the 400-document points
from --baseline and --all (earlier `baseline` and `all` runs). Steps and minutes come from the
run's time file (METRICS/<run>_train_time.json or training/<run>/stages.json), as `record` reads
them, and for the 400-document points from their rows of --runs (docs/results/runs.csv)."""
import csv
import json
from pathlib import Path
from typing import Dict, Optional

import typer
from record_run import training_time  # scripts/, this script's folder

TYPES = ["Gene", "Chemical", "Disease", "Species", "Variant", "CellLine"]
# the paper (PubMedBERT-CRF, BioRED test set): Table 2 and the ends of Fig. 3's curves that it states
PAPER = {"BioRED alone": {500: 89.34}, "with every external corpus (AIO)": {10: 86.91, 500: 91.26},
         "naive merge": {500: 69.96}}


def scores(report: Path) -> Optional[Dict[str, float]]:
    if not report.exists():
        return None
    dev = json.loads(report.read_text())["results"]["dev.spacy"]
    per_type = dev.get("ents_per_type") or {}
    return {"F": 100 * dev["ents_f"], **{t: 100 * per_type[t]["f"] for t in TYPES if t in per_type}}


def trained(metrics: Path, run: str) -> Dict[str, str]:
    """Steps and minutes of a run, from its time file (timed.py or train_stages.py), if any."""
    for path in (metrics / f"{run}_train_time.json", Path("training") / run / "stages.json"):
        if path.exists():
            return training_time(json.loads(path.read_text()))
    return {}


def recorded(runs: Path, name: str) -> Dict[str, str]:
    """Run `name`'s row of runs.csv, if it has one."""
    if not runs.exists():
        return {}
    with open(runs, newline="", encoding="utf8") as stream:
        return next((r for r in csv.DictReader(stream) if r["name"] == name), {})


def main(metrics: Path, out_md: Path, out_png: Path,
         baseline: Path = typer.Option(Path("docs/results/baseline.json"), help="BioRED alone, 400 documents"),
         all_run: Path = typer.Option(Path("docs/results/all.json"), "--all", help="The AIO mix, 400 documents"),
         runs: Path = typer.Option(Path("docs/results/runs.csv"), help="Where the 400-document runs are rows"),
         baseline_name: str = typer.Option("baseline_1800_lr2e-4_seed0", help="--baseline's row in --runs"),
         all_name: str = typer.Option("all_mix60", help="--all's row in --runs")):
    rows = []  # (arm, documents, run, scores, steps and minutes)
    for count in (10, 50, 100):
        for arm, run in (("BioRED alone", f"biored{count}"), ("with every external corpus (AIO)", f"aio{count}")):
            rows.append((arm, count, run, scores(metrics / f"{run}.json"), trained(metrics, run)))
    rows.append(("BioRED alone", 400, baseline_name, scores(baseline), recorded(runs, baseline_name)))
    rows.append(("with every external corpus (AIO)", 400, all_name, scores(all_run), recorded(runs, all_name)))
    rows.append(("naive merge", 400, "naive", scores(metrics / "naive.json"), trained(metrics, "naive")))
    missing = [run for _, _, run, found, _ in rows if found is None]
    lines = ["| arm | BioRED documents | run | F | " + " | ".join(TYPES) + " | steps | train min |",
             "|---|---|---|---|" + "---|" * len(TYPES) + "---|---|"]
    for arm, count, run, found, training in rows:
        if found is None:
            continue
        cells = [f"{found[t]:.2f}" if t in found else "–" for t in ["F", *TYPES]]
        cells += [training.get("steps") or "–", training.get("train_minutes") or "–"]
        lines.append(f"| {arm} | {count} | {run} | " + " | ".join(cells) + " |")
    if missing:
        lines.append(f"\nNot run yet: {', '.join(missing)}.")
    out_md.parent.mkdir(parents=True, exist_ok=True)
    out_md.write_text("\n".join(lines) + "\n", encoding="utf8")
    typer.echo("\n".join(lines))
    plot(rows, out_png)


def plot(rows, out_png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for arm, colour in (("BioRED alone", "tab:blue"), ("with every external corpus (AIO)", "tab:green"),
                        ("naive merge", "tab:red")):
        points = sorted((count, found["F"]) for a, count, _, found, _ in rows if a == arm and found)
        if points:
            ax.plot(*zip(*points), "o-", color=colour, label=f"{arm} (MiniLM, BioRED dev)")
        paper = sorted(PAPER[arm].items())
        ax.plot(*zip(*paper), "x--", color=colour, alpha=0.6, label=f"{arm} (paper: PubMedBERT, BioRED test)")
    ax.set_xscale("log")
    ax.set_xlabel("BioRED training documents")
    ax.set_ylabel("strict micro F1")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    out_png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_png, dpi=120)


if __name__ == "__main__":
    typer.run(main)
