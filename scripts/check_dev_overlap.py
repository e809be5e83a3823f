"""Count, per training DocBin in TRAIN_DIR, the documents whose id is one of DEV's documents
(the same abstract annotated by another corpus): check_dev_overlap.py TRAIN_DIR DEV. Exits 1
if any training file holds a dev document. `convert` leaves them out; this audits a folder
built another way, or before that rule."""
import sys
from pathlib import Path

import spacy
import typer
from spacy.tokens import DocBin

import spacy_aioner  # noqa: F401  (registers the doc extensions that carry the ids)


def document_ids(path: Path, vocab) -> list:
    return [doc._.aioner_doc_id for doc in DocBin().from_disk(path).get_docs(vocab)]


def main(train_dir: Path, dev: Path):
    vocab = spacy.blank("en").vocab
    dev_ids = set(document_ids(dev, vocab))
    total = 0
    for path in sorted(train_dir.glob("*.spacy")):
        repeats = sorted(set(document_ids(path, vocab)) & dev_ids)
        total += len(repeats)
        if repeats:
            typer.echo(f"{path.name}: {len(repeats)} dev documents ({', '.join(repeats)})")
    typer.echo(f"{total} dev documents of {dev} ({len(dev_ids)}) in the training files of {train_dir}")
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    typer.run(main)
