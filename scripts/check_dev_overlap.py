"""Find held-out documents among training documents: check_dev_overlap.py TRAINING HELD_OUT...

TRAINING is a trained pipeline, whose `aioner` and `aioner_transformer` pipes record the ids of the
documents they learned from (the encoder's record includes its training in the pipeline it was
sourced from), or a folder of training DocBins. Each HELD_OUT is a DocBin (the dev split) or a
folder of them (the external dev splits, the converted test sets). Exits 1 if training held a
held-out document (the same abstract annotated by another corpus), 2 if a pipeline keeps no record
of its training documents. `convert`
leaves dev documents and `--exclude-docs` ones out; this audits what a pipeline was trained on, or a
folder built another way, or before those rules."""
import sys
from pathlib import Path
from typing import List, Optional

import spacy
import typer
from spacy.language import Language
from spacy.tokens import DocBin

import spacy_aioner  # noqa: F401  (registers the doc extensions that carry the ids)
from spacy_aioner.pipeline.training_record import TrainingRecord


def document_ids(path: Path, vocab) -> list:
    return [doc._.aioner_doc_id for doc in DocBin().from_disk(path).get_docs(vocab)]


def pipeline_training_ids(pipeline: Path, nlp: Optional[Language] = None) -> Optional[dict]:
    """{pipe name: {doc id: updates}} of the pipeline's pipes that keep a record of their training
    documents (aioner, aioner_transformer); None if none does. `nlp`: the pipeline, if loaded."""
    nlp = nlp or spacy.load(pipeline)
    recorded = {name: pipe for name, pipe in nlp.pipeline
                if isinstance(pipe, TrainingRecord) and (pipe.training_docs or pipe.training_examples_without_id)}
    if not recorded:
        return None
    for name, pipe in recorded.items():
        if pipe.training_examples_without_id:
            typer.echo(f"{pipeline} [{name}]: {pipe.training_examples_without_id} training examples had no "
                       "document id (doc._.aioner_doc_id) and could not be checked", err=True)
    return {name: pipe.training_docs for name, pipe in recorded.items()}


def check(training: Path, held_out: List[Path], nlp: Optional[Language] = None) -> int:
    """0 if no held-out document is among the training documents, 1 if some are (each named),
    2 if the pipeline keeps no record of its training documents (`nlp`: the pipeline at
    `training`, if already loaded)."""
    vocab = spacy.blank("en").vocab
    names = " ".join(map(str, held_out))
    held_out_ids = set()
    for path in held_out:
        for file in sorted(path.glob("*.spacy")) if path.is_dir() else [path]:
            held_out_ids.update(document_ids(file, vocab))
    if None in held_out_ids:
        held_out_ids.discard(None)
        typer.echo(f"{names}: documents without an id (doc._.aioner_doc_id) could not be checked", err=True)
    if nlp is not None or (training / "config.cfg").exists():
        recorded = pipeline_training_ids(training, nlp)
        if recorded is None:
            typer.echo(f"{training} keeps no record of its training documents (no aioner pipe, or trained before "
                       "spacy_aioner recorded them); audit its training folder instead: "
                       "check_dev_overlap.py TRAIN_DIR HELD_OUT", err=True)
            return 2
        sources = {f"{training} [{name}]": ids for name, ids in recorded.items()}
        where = f"the training documents of {training}"
    else:
        sources = {path.name: document_ids(path, vocab) for path in sorted(training.glob("*.spacy"))}
        where = f"the training files of {training}"
    found = set()
    for source, ids in sources.items():
        repeats = sorted(set(ids) & held_out_ids)  # a training document without an id is None, not held out
        found.update(repeats)
        if repeats:
            typer.echo(f"{source}: {len(repeats)} held-out documents ({', '.join(repeats)})")
    total = len(found)  # each document once, however many files or pipes held it
    typer.echo(f"{total} held-out documents of {names} ({len(held_out_ids)}) in {where}")
    if total:
        typer.echo("Convert again with those documents left out (the project's `convert` passes its "
                   "test_dir to --exclude-docs), then retrain.", err=True)
    return 1 if total else 0


def main(training: Path = typer.Argument(..., exists=True, file_okay=False),
         held_out: List[Path] = typer.Argument(..., exists=True)):
    sys.exit(check(training, held_out))


if __name__ == "__main__":
    typer.run(main)
