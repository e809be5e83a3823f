"""``python -m spacy_aioner convert``: manifest corpora -> DocBins + a report."""
import time
from pathlib import Path
from typing import List, Optional

import typer

from ..corpora.doc_ids import read_doc_ids
from ..corpora.docbin import convert_manifest, format_reports, staged_output, write_reports
from ..corpora.manifest import DEFAULT_MANIFEST, load_manifest, merged_naively
from ..scheme import AIO, Scheme
from ..tokenizer import blank_biomedical
from . import app


@app.command("convert")
def convert_cli(
    corpus_dir: Path = typer.Argument(..., help="Folder holding the manifest's corpus files", exists=True),
    output_dir: Path = typer.Argument(..., help="Where train/*.spacy, dev.spacy, dev/*.spacy and report.json go"),
    manifest: Path = typer.Option(DEFAULT_MANIFEST, help="Manifest (list_train.txt format)", exists=True),
    dev_file: str = typer.Option("BioRED_TrainDev.PubTator", help="File whose last documents form the dev set"),
    dev_docs: int = typer.Option(100, help="How many of its last documents go to dev.spacy"),
    external_dev: float = typer.Option(
        0.0, help="Fraction of every other file's last documents held out as its own dev split, dev/<file>.<task>.spacy"
    ),
    max_docs: Optional[int] = typer.Option(None, help="Cap on training documents per manifest line, except the dev file's training part"),
    max_tokens: Optional[int] = typer.Option(None, help="Cap on training tokens per manifest line, likewise"),
    lenient: bool = typer.Option(False, help="Skip and count bad mentions instead of stopping"),
    labels: Optional[Path] = typer.Option(
        None, exists=True, help="Label vocabulary (one label per line) whose B-X/I-X types replace the six AIO types, "
        "e.g. AnEM_label.vocab for fine-tuning to new types",
    ),
    exclude_docs: Optional[List[Path]] = typer.Option(
        None, exists=True, help="Corpus file, or folder of *.PubTator/*.xml/*.conll files (the official test "
        "sets, say), whose documents are left out of training, matched by id; repeatable",
    ),
    skip_missing: bool = typer.Option(
        False, help="Convert the manifest's files that are there and report the missing ones, instead of stopping"
    ),
    merge: str = typer.Option(
        "aio", help="aio: each manifest line under its own task; naive: every file once under ALL, its types merged "
        "and every other type plain O (the control of the AIO scheme)",
    ),
    target_docs: int = typer.Option(
        0, min=0, help="Train on this many of the dev file's training documents (0: all), a seeded sample in which "
        "a smaller count's documents are among a larger count's",
    ),
    target_seed: int = typer.Option(0, help="The seed of that sample"),
):
    """Convert every corpus file of the manifest to spaCy DocBins under the AIO scheme."""
    started = time.time()
    try:
        scheme = Scheme.from_label_file(labels) if labels else AIO
        excluded = read_doc_ids(exclude_docs or [])
        if exclude_docs:
            typer.echo(f"Documents to leave out of training: {excluded.describe()}")
        if merge not in ("aio", "naive"):
            raise ValueError(f"--merge {merge!r}: aio or naive")
        entries = load_manifest(manifest, scheme)
        if merge == "naive":
            entries = merged_naively(entries)
        with staged_output(output_dir) as stage:  # nothing lands in output_dir unless every file converted
            reports = convert_manifest(
                blank_biomedical(), entries, corpus_dir, stage,
                dev_file=dev_file, dev_docs=dev_docs, external_dev=external_dev, max_docs=max_docs, max_tokens=max_tokens, lenient=lenient,
                exclude_ids=excluded.ids, skip_missing=skip_missing, previous_dir=output_dir,
                target_docs=target_docs, target_seed=target_seed,
            )
            write_reports(reports, stage / "report.json")
    except (ValueError, OSError) as err:  # CorpusFormatError names the file, line and document
        typer.echo(f"Error: {err}", err=True)
        raise typer.Exit(code=1)
    typer.echo(format_reports(reports))
    skipped = sum(r.missing for r in reports)
    skipped_note = f", skipped {skipped} whose file is missing" if skipped else ""
    typer.echo(f"Converted {len(reports) - skipped} manifest lines{skipped_note} in {time.time() - started:.1f}s -> {output_dir}")
