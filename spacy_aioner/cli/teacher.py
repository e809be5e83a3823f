"""``python -m spacy_aioner teacher-label``: a trained pipeline labels converted training DocBins
under ALL, gold winning for each corpus's own types (spacy_aioner.distill)."""
import json
import time
from pathlib import Path
from typing import List, Optional

import typer
from spacy.tokens import DocBin

from ..corpora.doc_ids import docbin_doc_ids, read_doc_ids
from ..distill import TeacherReport, group_by_corpus, merge_gold, teacher_label
from . import app


@app.command("teacher-label")
def teacher_label_cli(
    model: str = typer.Argument(..., help="The teacher: a trained aioner pipeline (the `all` workflow's)"),
    input_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="Converted training DocBins (<corpus>.<task>.spacy)"),
    output_dir: Path = typer.Argument(..., help="Where <corpus>.ALL.spacy and teacher_report.json go"),
    exclude: Optional[List[Path]] = typer.Option(
        None, exists=True, help="DocBin file or folder, or corpus file or folder, whose document ids are never "
        "labelled (dev splits, test sets); repeatable"),
    batch_size: int = typer.Option(16, min=1, help="Documents per teacher batch"),
    threads: int = typer.Option(0, min=0, help="torch threads (0: torch's default)"),
):
    """Label every training document under ALL with the teacher; gold wins for its own types."""
    import spacy
    import torch

    if threads:
        torch.set_num_threads(threads)
    started = time.time()
    excluded = set()
    for path in exclude or []:
        is_docbin = path.suffix == ".spacy" or (path.is_dir() and any(path.glob("*.spacy")))
        excluded |= docbin_doc_ids([path]) if is_docbin else read_doc_ids([path]).ids
    nlp = spacy.load(model)
    output_dir.mkdir(parents=True, exist_ok=True)
    reports = {}
    for corpus, names in group_by_corpus(p.name for p in input_dir.glob("*.spacy")).items():
        target = output_dir / f"{corpus}.ALL.spacy"
        if target.exists():  # a rerun resumes: finished corpora are kept
            typer.echo(f"{target}: already labelled, kept")
            continue
        report = TeacherReport()
        docs = [doc for name in names for doc in DocBin().from_disk(input_dir / name).get_docs(nlp.vocab)]
        texts = merge_gold(docs, excluded, report)
        out = DocBin(store_user_data=True)
        for doc in teacher_label(nlp, texts, report, batch_size=batch_size):
            out.add(doc)
        partial = target.with_suffix(".partial")
        out.to_disk(partial)
        partial.rename(target)
        reports[corpus] = {"inputs": names, **report.to_dict()}
        typer.echo(f"{target}: {report.texts} texts from {report.documents_read} documents "
                   f"({report.excluded} excluded), teacher mentions added {sum(report.teacher_added.values())}")
    report_path = output_dir / "teacher_report.json"
    previous = json.loads(report_path.read_text()) if report_path.exists() else {}
    report_path.write_text(json.dumps({**previous, **reports}, indent=2), encoding="utf8")
    typer.echo(f"Labelled {len(reports)} corpora in {time.time() - started:.0f}s -> {output_dir}")
