"""Count, per training DocBin in TRAIN_DIR, the documents whose id is one of HELD_OUT's (the
same abstract annotated by another corpus): check_dev_overlap.py TRAIN_DIR HELD_OUT, where
HELD_OUT is a DocBin (the dev split) or a folder of them (the converted test sets). Exits 1 if
any training file holds a held-out document. `convert` leaves dev documents and
`--exclude-docs` ones out; this audits a folder built another way, or before those rules."""
import sys
from pathlib import Path

import spacy
import typer
from spacy.tokens import DocBin

import spacy_aioner  # noqa: F401  (registers the doc extensions that carry the ids)


def document_ids(path: Path, vocab) -> list:
    return [doc._.aioner_doc_id for doc in DocBin().from_disk(path).get_docs(vocab)]


def main(train_dir: Path = typer.Argument(..., exists=True, file_okay=False),
         held_out: Path = typer.Argument(..., exists=True)):
    vocab = spacy.blank("en").vocab
    held_out_files = sorted(held_out.glob("*.spacy")) if held_out.is_dir() else [held_out]
    held_out_ids = {doc_id for path in held_out_files for doc_id in document_ids(path, vocab)}
    total = 0
    for path in sorted(train_dir.glob("*.spacy")):
        repeats = sorted(set(document_ids(path, vocab)) & held_out_ids)
        total += len(repeats)
        if repeats:
            typer.echo(f"{path.name}: {len(repeats)} held-out documents ({', '.join(repeats)})")
    typer.echo(f"{total} held-out documents of {held_out} ({len(held_out_ids)}) in the training files of {train_dir}")
    if total:
        typer.echo("Convert again with those documents left out (the project's `convert` passes its "
                   "test_dir to --exclude-docs), then retrain.", err=True)
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    typer.run(main)
