"""Evaluate a pipeline on DocBins (each document under its own task): overall and per-type
entity P/R/F as JSON and a Markdown table, plus the pipeline's words per second. A folder
stands for its DocBins, each scored on its own (one per corpus and task, as `convert` writes
to dev/), and gets the mean F1 of its DocBins: the per-corpus table of the project's `evaluate`.
Words per second time the pipeline alone (``nlp.pipe``), not reading or scoring. With --counts
(the first data path a DocBin), its predictions' per-document counts are written for
scripts/significance.py. With --check-held-out, a pipeline that trained on any document it is
scored on is refused first (scripts/check_dev_overlap.py)."""
import json
import time
from pathlib import Path
from typing import Dict, List, Optional

import spacy
import typer
from spacy.scorer import Scorer
from spacy.util import dot_to_dict
from wasabi import MarkdownRenderer

from spacy_aioner.training_corpus import create_task_corpus

from spacy_aioner.bootstrap import example_counts, predict

from check_dev_overlap import check  # the script beside this one


def main(
    model: Path,
    data: List[Path],
    output_json: Path,
    output_md: Path,
    name: str = "",
    counts: Optional[Path] = typer.Option(None, help="Also write the first DocBin's per-document counts here"),
    check_held_out: bool = typer.Option(False, help="Refuse a pipeline that trained on a scored document"),
    override: List[str] = typer.Option([], help="SECTION.KEY=JSON applied when loading, e.g. "
                                       "components.aioner_transformer.quantize='\"int8\"' (repeatable)"),
):
    groups = docbin_paths(data)
    paths = [path for group in groups.values() for path in group]
    if counts and data[0].is_dir():
        raise typer.BadParameter(f"--counts counts the first data path, which must be a DocBin, not the folder {data[0]}")
    overrides = load_overrides(override)
    nlp = spacy.load(model, config=overrides)
    if check_held_out and check(model, data, nlp) == 1:
        raise typer.Exit(1)
    results = {}
    for path in paths:
        examples = list(create_task_corpus(path)(nlp))
        started = time.time()
        predict(nlp, examples)
        seconds = time.time() - started
        scores = Scorer(nlp).score(examples)
        if counts and path == paths[0]:
            write_json(counts, example_counts(examples, model=model, data=path))
        words = sum(len(eg.reference) for eg in examples)
        results[path.name] = {
            "docs": len(examples),
            "task": "/".join(sorted({str(eg.reference._.aioner_task) for eg in examples})),
            "mentions": sum(len(eg.reference.ents) for eg in examples),
            "ents_p": scores["ents_p"], "ents_r": scores["ents_r"], "ents_f": scores["ents_f"],
            "ents_per_type": scores["ents_per_type"],
            "words_per_second": words / seconds,
        }
    means = {str(folder): {"docbins": len(group), "ents_f": mean([results[path.name]["ents_f"] for path in group])}
             for folder, group in groups.items() if folder.is_dir()}
    report = {"model": str(model), "name": name or model.parent.name, "overrides": overrides, "results": results,
              "mean_f": means}
    write_json(output_json, report, indent=2)
    output_md.write_text(to_markdown(report))
    typer.echo(to_markdown(report))


def load_overrides(items: List[str]) -> dict:
    """``a.b.c=JSON`` items as the nested dict spacy.load takes for `config`."""
    flat = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{item!r} is not SECTION.KEY=JSON", param_hint="--override")
        try:
            flat[key] = json.loads(value)
        except json.JSONDecodeError:
            flat[key] = value  # a bare word is a string
    return dot_to_dict(flat)


def write_json(path: Path, content, indent: Optional[int] = None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=indent))


def docbin_paths(data: List[Path]) -> Dict[Path, List[Path]]:
    """The DocBins to score, by argument: each file given, and the ``*.spacy`` files of each folder."""
    groups = {}
    for path in data:
        groups[path] = sorted(path.glob("*.spacy")) if path.is_dir() else [path]
        if not groups[path]:
            raise typer.BadParameter(f"{path}: a folder with no .spacy file")
    return groups


def mean(values: List[Optional[float]]) -> Optional[float]:
    """The mean of the defined values (spaCy's scorer gives None where there is nothing to score)."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def pct(value: Optional[float]) -> str:
    return "–" if value is None else f"{100 * value:.2f}"


def to_markdown(report) -> str:
    """One row per DocBin (task, P/R/F, gold mentions), each folder's mean F1, then per type."""
    results = report["results"]
    summary = [[data, r.get("task", ""), *(pct(r[key]) for key in ("ents_p", "ents_r", "ents_f")),
                str(r.get("mentions", ""))] for data, r in results.items()]
    means = "".join(f"\nMean F1 of the {m['docbins']} DocBins of {folder}: {pct(m['ents_f'])}\n"
                    for folder, m in report.get("mean_f", {}).items())
    rows = []
    for data, r in results.items():
        for etype, s in sorted((r["ents_per_type"] or {}).items()):
            rows.append([data, etype, *(f"{100 * s[key]:.2f}" for key in ("p", "r", "f"))])
    md = MarkdownRenderer()
    return (f"### {report['name']}\n\n" + md.table(summary, ["data", "task", "P", "R", "F", "mentions"]) + "\n"
            + means + "\n" + md.table(rows, ["data", "type", "P", "R", "F"]) + "\n")


if __name__ == "__main__":
    typer.run(main)
