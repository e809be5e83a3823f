"""Dev F1 by training step, from `spacy train` logs: one line per run, as a small PNG and a CSV.

  python scripts/plot_curves.py all=training/all/train.log baseline=... --png docs/dev_f1_by_step.png
"""
import csv
from pathlib import Path
from typing import Dict, List, Tuple

import typer


def dev_f1(log: Path) -> List[Tuple[int, float]]:
    """(step, dev ENTS_F) of every evaluation row in a `spacy train` log."""
    from_end, points = None, []  # the loss headers may be cut ("LOSS AIONE..."), so count from the end
    for line in log.read_text(encoding="utf8", errors="replace").splitlines():
        cells = line.split()
        if "ENTS_F" in cells and "#" in cells:
            from_end = len(cells) - cells.index("ENTS_F")
            continue
        if from_end and len(cells) >= from_end + 2 and cells[0].isdigit() and cells[1].isdigit():
            points.append((int(cells[1]), float(cells[-from_end])))
    return points


def main(runs: List[str] = typer.Argument(..., help="NAME=LOG pairs"), png: Path = Path("docs/dev_f1_by_step.png"),
         csv_out: Path = typer.Option(Path("docs/results/curves.csv"), "--csv")):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves: Dict[str, List[Tuple[int, float]]] = {}
    for run in runs:
        name, _, log = run.partition("=")
        curves[name] = [(step, f) for step, f in dev_f1(Path(log)) if step > 0]
        if not curves[name]:
            raise typer.BadParameter(f"{log}: no evaluation rows of a spacy train log")
    csv_out.parent.mkdir(parents=True, exist_ok=True)
    with open(csv_out, "w", newline="", encoding="utf8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["run", "step", "dev_f1"])
        writer.writerows((name, step, f"{f:.2f}") for name, points in curves.items() for step, f in points)
    fig, ax = plt.subplots(figsize=(5.5, 3.2), dpi=100)
    for name, points in curves.items():
        ax.plot(*zip(*points), marker="o", markersize=3, label=name)
    ax.set_xlabel("training step")
    ax.set_ylabel("BioRED dev F1")
    ax.set_ylim(bottom=max(0, min(f for points in curves.values() for _, f in points) - 5))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", frameon=False)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png)
    print(f"{png}, {csv_out}: {', '.join(f'{n} {p[-1][1]:.2f} at step {p[-1][0]}' for n, p in curves.items())}")


if __name__ == "__main__":
    typer.run(main)
