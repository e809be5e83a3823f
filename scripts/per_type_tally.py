"""Tally the per-type gaps of paired-bootstrap reports: per_type_tally.py REPORT.json... (each
from scripts/significance.py or scripts/seed_mean.py). For every entity type it prints how many
reports score it, in how many A is ahead, behind or level, and the smallest and largest gap (F1
points). Reports without per-type results are named and counted, not skipped silently; a report
given twice counts once. For the README's gap table:
`python scripts/per_type_tally.py $(grep '^| ' README.md | grep -o 'significance_[-a-z0-9_.]*json' | sed 's|^|metrics/|')`"""
import json
from pathlib import Path
from typing import List

import typer
from wasabi import MarkdownRenderer


def tally(per_type_gaps: List[dict]) -> List[list]:
    """One row per entity type: type, reports, ahead, behind, level, smallest and largest gap."""
    types = sorted({label for gaps in per_type_gaps for label in gaps})
    rows = []
    for label in types:
        gaps = [100 * report[label] for report in per_type_gaps if label in report]
        rows.append([label, len(gaps), sum(g > 0 for g in gaps), sum(g < 0 for g in gaps),
                     sum(g == 0 for g in gaps), min(gaps), max(gaps)])
    return rows


def main(reports: List[Path]):
    unique = list(dict.fromkeys(path.resolve() for path in reports))
    per_type_gaps, without = [], []
    for path in unique:
        try:
            report = json.loads(path.read_text())
            if "per_type" not in report:
                without.append(path)
                continue
            per_type_gaps.append({label: result["difference"] for label, result in report["per_type"].items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise SystemExit(f"{path}: not a paired-bootstrap report ({type(error).__name__}: {error})")
    twice = len(reports) - len(unique)
    typer.echo(f"{len(unique)} reports{f' ({twice} given twice)' if twice else ''}, "
               f"{len(per_type_gaps)} with per-type results, {len(without)} without")
    for path in without:
        typer.echo(f"  without per-type results: {path}")
    rows = [[label, str(n), str(ahead), str(behind), str(level), f"{low:+.2f}", f"{high:+.2f}"]
            for label, n, ahead, behind, level, low, high in tally(per_type_gaps)]
    header = ["type", "reports", "A ahead", "A behind", "level", "smallest gap", "largest gap"]
    typer.echo(MarkdownRenderer().table(rows, header))


if __name__ == "__main__":
    typer.run(main)
