"""Evaluate a pipeline on DocBins (each document under its own task): overall and per-type
entity P/R/F as JSON and a Markdown table, plus the pipeline's words per second."""
import json
import time
from pathlib import Path
from typing import List

import spacy
import typer

from spacy_aioner.training import create_task_corpus


def main(model: Path, data: List[Path], output_json: Path, output_md: Path, name: str = ""):
    nlp = spacy.load(model)
    results = {}
    for path in data:
        examples = list(create_task_corpus(path)(nlp))
        started = time.time()
        scores = nlp.evaluate(examples)
        seconds = time.time() - started
        words = sum(len(eg.reference) for eg in examples)
        results[path.name] = {
            "docs": len(examples),
            "ents_p": scores["ents_p"], "ents_r": scores["ents_r"], "ents_f": scores["ents_f"],
            "ents_per_type": scores["ents_per_type"],
            "words_per_second": words / seconds,
        }
    report = {"model": str(model), "name": name or model.parent.name, "results": results}
    output_json.parent.mkdir(parents=True, exist_ok=True)
    output_json.write_text(json.dumps(report, indent=2))
    output_md.write_text(to_markdown(report))
    typer.echo(to_markdown(report))


def to_markdown(report) -> str:
    lines = [f"### {report['name']}", "", "| data | type | P | R | F |", "|---|---|---|---|---|"]
    for data, r in report["results"].items():
        lines.append(f"| {data} | **all** | {100 * r['ents_p']:.2f} | {100 * r['ents_r']:.2f} | {100 * r['ents_f']:.2f} |")
        for etype, s in sorted((r["ents_per_type"] or {}).items()):
            lines.append(f"| {data} | {etype} | {100 * s['p']:.2f} | {100 * s['r']:.2f} | {100 * s['f']:.2f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    typer.run(main)
