"""Issue 47's screening rule applied to two rows of runs.csv: a lever is adopted when its BioRED
dev F1 gains at least --min-gain over the baseline run and no type with at least --min-mentions
gold dev mentions (counted in the dev DocBin) loses more than --max-loss. Prints the verdict
as a Markdown table and line; exit code 0 either way.

  python scripts/screen_verdict.py docs/results/runs.csv all_mix60 case64 --dev corpus/all/dev.spacy
"""
import csv
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional

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


def changes(baseline: Dict[str, str], variant: Dict[str, str], counts: Counter) -> Dict[str, Optional[float]]:
    """F1 change, variant minus baseline: overall ("all") and per type (None: a row lacks it)."""
    columns = {"all": "F", **{label: f"F_{label}" for label in counts}}
    return {key: float(variant[col]) - float(baseline[col]) if baseline.get(col) and variant.get(col) else None
            for key, col in columns.items()}


def verdict(change: Dict[str, Optional[float]], counts: Counter, min_gain: float, max_loss: float,
            min_mentions: int) -> List[str]:
    """The reasons a variant is not adopted (empty: adopted)."""
    reasons = [f"F1 gain {change['all']:+.2f} < {min_gain:+.2f}"] if change["all"] < min_gain else []
    for label, count in sorted(counts.items()):
        if count >= min_mentions and change[label] is not None and change[label] < -max_loss:
            reasons.append(f"{label} ({count} mentions) {change[label]:+.2f} < -{max_loss:.2f}")
    return reasons


def main(runs: Path, baseline: str, variant: str,
         dev: Path = typer.Option(Path("corpus/all/dev.spacy"), exists=True, help="Gold dev DocBin (mention counts)"),
         min_gain: float = 0.5, max_loss: float = 1.0, min_mentions: int = 100):
    base, var = run_row(runs, baseline), run_row(runs, variant)
    counts = gold_mentions(dev)
    change = changes(base, var, counts)
    signed = {key: "" if value is None else f"{value:+.2f}" for key, value in change.items()}
    rows = [["all", "", base["F"], var["F"], signed["all"]]]
    rows += [[label, str(count), base.get(f"F_{label}", ""), var.get(f"F_{label}", ""), signed[label]]
             for label, count in counts.most_common()]
    typer.echo(MarkdownRenderer().table(rows, ["type", "dev mentions", baseline, variant, "change"]))
    reasons = verdict(change, counts, min_gain, max_loss, min_mentions)
    typer.echo(f"\n{variant} vs {baseline}: " + ("adopted" if not reasons else "not adopted: " + "; ".join(reasons)))


if __name__ == "__main__":
    typer.run(main)
