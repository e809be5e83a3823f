"""Side-by-side dev F1 of workflows (by default AIO `all`, BioRED-only `baseline`, stock `ner`),
overall and per entity type."""
import json
from pathlib import Path
from typing import List

import typer
from wasabi import MarkdownRenderer


def main(metrics_dir: Path, output: Path, names: List[str] = typer.Option(["all", "baseline", "ner"])):
    reports = {}
    for name in names:
        path = metrics_dir / f"{name}.json"
        if not path.exists():
            typer.echo(f"skipping {name}: {path} not found", err=True)
            continue
        reports[name] = json.loads(path.read_text())["results"]["dev.spacy"]
    types = list(dict.fromkeys(t for dev in reports.values() for t in (dev["ents_per_type"] or {})))
    rows = []
    for name, dev in reports.items():
        timing = metrics_dir / f"{name}_train_time.json"
        minutes = json.loads(timing.read_text())["seconds"] / 60 if timing.exists() else float("nan")
        per_type = dev["ents_per_type"] or {}
        rows.append([name, f"{100 * dev['ents_p']:.2f}", f"{100 * dev['ents_r']:.2f}", f"{100 * dev['ents_f']:.2f}"]
                    + [f"{100 * per_type[t]['f']:.2f}" if t in per_type else "-" for t in types]
                    + [f"{minutes:.0f}"])
    header = ["workflow", "P", "R", "F"] + [f"F {t}" for t in types] + ["train min"]
    if all(row[-1] == "nan" for row in rows):  # no training times (inference variants, say)
        rows, header = [row[:-1] for row in rows], header[:-1]
    table = MarkdownRenderer().table(rows, header)
    output.write_text(table + "\n")
    typer.echo(table)


if __name__ == "__main__":
    typer.run(main)
