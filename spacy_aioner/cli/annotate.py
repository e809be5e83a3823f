"""``python -m spacy_aioner annotate``: PubTator/BioC collections in, annotated files out."""
import json
import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import List, Optional

import typer
from tqdm import tqdm

from ..annotation.engines import LocalEngine, RayEngine
from ..annotation.job import annotate_files
from . import app


@app.command("annotate")
def annotate_cli(
    inputs: List[Path] = typer.Argument(..., help="PubTator or BioC XML files, or folders of them"),
    model: str = typer.Option(..., "--model", "-m", help="Trained pipeline: package name or path"),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for the annotated files"),
    task: Optional[str] = typer.Option(None, help="Task for every document (default: the pipeline's)"),
    input_format: Optional[str] = typer.Option(None, help="pubtator or bioc (default: detected per file)"),
    output_format: Optional[str] = typer.Option(None, help="pubtator or bioc (default: the input's)"),
    batch_size: int = typer.Option(32, help="Documents per batch"),
    n_process: int = typer.Option(1, help="Worker processes (local) or actors (ray)"),
    engine: str = typer.Option("local", help="local or ray"),
    ray_address: Optional[str] = typer.Option(None, help="Ray cluster address (default: a local Ray)"),
):
    """Annotate collections; finished outputs are skipped on a rerun (resume)."""
    for name, value in (("input-format", input_format), ("output-format", output_format)):
        if value not in (None, "pubtator", "bioc"):
            raise typer.BadParameter(f"--{name} must be pubtator or bioc, got {value!r}")
    if engine not in ("local", "ray"):
        raise typer.BadParameter(f"--engine must be local or ray, got {engine!r}")
    # stdout carries only the JSON summary: what the engines' libraries print (Ray's driver-side
    # worker and raylet messages) goes to stderr.
    with redirect_stdout(sys.stderr):
        if engine == "ray":
            runner = RayEngine(model, task, n_actors=n_process, address=ray_address)
        else:
            runner = LocalEngine(model, task, n_process=n_process)
        try:
            with tqdm(unit="doc", desc="annotating", disable=None) as bar:
                summary = annotate_files(inputs, output, runner, input_format=input_format,
                                         output_format=output_format, batch_size=batch_size,
                                         progress=bar.update)
        finally:
            runner.close()
    typer.echo(json.dumps(summary.to_dict(), indent=2))
    if summary.files_failed:
        raise typer.Exit(code=1)
