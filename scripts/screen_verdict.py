"""Issue 47's screening rule applied to two rows of runs.csv: a lever is adopted when its BioRED
dev F1 gains at least --min-gain over the baseline run and no type with at least --min-mentions
gold dev mentions (counted in the dev DocBin) loses more than --max-loss. Prints the verdict
as a Markdown table and line; exit code 0 either way.

  python scripts/screen_verdict.py docs/results/runs.csv all_mix60 case64 --dev corpus/aio/dev.spacy
"""
import csv
from collections import Counter
from pathlib import Path
from typing import Dict, List

import spacy
import typer
from spacy.tokens import DocBin
from wasabi import MarkdownRenderer


def gold_mentions(dev: Path) -> Counter:
    """Gold entity mentions per label in a DocBin."""
    nlp = spacy.blank("en")
    return Counter(ent.label_ for doc in DocBin().from_disk(dev).get_docs(nlp.vocab) for ent in doc.ents)


def run_row(runs: Path, name: str) -> Dict[str, str]:
    with open(runs, newline="", encoding="utf8") as stream:
        found = [row for row in csv.DictReader(stream) if row["name"] == name]
    if not found:
        raise typer.BadParameter(f"no run named {name!r} in {runs}")
    return found[-1]


def verdict(baseline: Dict[str, str], variant: Dict[str, str], counts: Counter, min_gain: float,
            max_loss: float, min_mentions: int) -> List[str]:
    """The reasons a variant is not adopted (empty: adopted)."""
    reasons = []
    gain = float(variant["F"]) - float(baseline["F"])
    if gain < min_gain:
        reasons.append(f"F1 gain {gain:+.2f} < {min_gain:+.2f}")
    for label, count in sorted(counts.items()):
        if count < min_mentions or not baseline.get(f"F_{label}") or not variant.get(f"F_{label}"):
            continue
        change = float(variant[f"F_{label}"]) - float(baseline[f"F_{label}"])
        if change < -max_loss:
            reasons.append(f"{label} ({count} mentions) {change:+.2f} < -{max_loss:.2f}")
    return reasons


def main(runs: Path, baseline: str, variant: str,
         dev: Path = typer.Option(Path("corpus/aio/dev.spacy"), exists=True, help="Gold dev DocBin (mention counts)"),
         min_gain: float = 0.5, max_loss: float = 1.0, min_mentions: int = 100):
    base, var = run_row(runs, baseline), run_row(runs, variant)
    counts = gold_mentions(dev)
    rows = [["all", "", base["F"], var["F"], f"{float(var['F']) - float(base['F']):+.2f}"]]
    for label, count in counts.most_common():
        before, after = base.get(f"F_{label}", ""), var.get(f"F_{label}", "")
        change = f"{float(after) - float(before):+.2f}" if before and after else ""
        rows.append([label, str(count), before, after, change])
    typer.echo(MarkdownRenderer().table(rows, ["type", "dev mentions", baseline, variant, "change"]))
    reasons = verdict(base, var, counts, min_gain, max_loss, min_mentions)
    typer.echo(f"\n{variant} vs {baseline}: " + ("adopted" if not reasons else "not adopted: " + "; ".join(reasons)))


if __name__ == "__main__":
    typer.run(main)
