"""Evaluate a pipeline on DocBins (each document under its own task): overall and per-type
entity P/R/F as JSON and a Markdown table, plus the pipeline's words per second. A folder
stands for its DocBins, each scored on its own (one per corpus and task, as `convert` writes).
Words per second time the pipeline alone (``nlp.pipe``), not reading or scoring. With --counts
(one DocBin only), the same predictions' per-document counts are written for
scripts/significance.py."""
import json
import time
from pathlib import Path
from typing import List, Optional

import spacy
import typer
from spacy.scorer import Scorer
from wasabi import MarkdownRenderer

from spacy_aioner.training_corpus import create_task_corpus

from bootstrap import example_counts, predict  # scripts/bootstrap.py


def main(
    model: Path,
    data: List[Path],
    output_json: Path,
    output_md: Path,
    name: str = "",
    counts: Optional[Path] = typer.Option(None, help="Also write the per-document counts here (one DocBin only)"),
):
    paths = docbin_paths(data)
    if counts and len(paths) != 1:
        raise typer.BadParameter(f"--counts takes one DocBin; {', '.join(map(str, data))} give {len(paths)}")
    nlp = spacy.load(model)
    results = {}
    for path in paths:
        examples = list(create_task_corpus(path)(nlp))
        started = time.time()
        predict(nlp, examples)
        seconds = time.time() - started
        scores = Scorer(nlp).score(examples)
        if counts:
            write_json(counts, example_counts(examples, model=model, data=path))
        words = sum(len(eg.reference) for eg in examples)
        results[path.name] = {
            "docs": len(examples),
            "ents_p": scores["ents_p"], "ents_r": scores["ents_r"], "ents_f": scores["ents_f"],
            "ents_per_type": scores["ents_per_type"],
            "words_per_second": words / seconds,
        }
    report = {"model": str(model), "name": name or model.parent.name, "results": results}
    write_json(output_json, report, indent=2)
    output_md.write_text(to_markdown(report))
    typer.echo(to_markdown(report))


def write_json(path: Path, content, indent: Optional[int] = None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=indent))


def docbin_paths(data: List[Path]) -> List[Path]:
    """The DocBins to score: each file given, and the ``*.spacy`` files of each folder given."""
    paths = []
    for path in data:
        found = sorted(path.glob("*.spacy")) if path.is_dir() else [path]
        if not found:
            raise typer.BadParameter(f"{path}: a folder with no .spacy file")
        paths.extend(found)
    return paths


def to_markdown(report) -> str:
    rows = []
    for data, r in report["results"].items():
        rows.append([data, "**all**", *(f"{100 * r[key]:.2f}" for key in ("ents_p", "ents_r", "ents_f"))])
        for etype, s in sorted((r["ents_per_type"] or {}).items()):
            rows.append([data, etype, *(f"{100 * s[key]:.2f}" for key in ("p", "r", "f"))])
    return f"### {report['name']}\n\n" + MarkdownRenderer().table(rows, ["data", "type", "P", "R", "F"]) + "\n"


if __name__ == "__main__":
    typer.run(main)
