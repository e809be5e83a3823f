"""``python -m spacy_aioner annotate``: PubTator, BioC or PubMed XML collections in, annotated
PubTator or BioC files out.

Everything a user can get wrong (task, formats, inputs, output folder, model) is checked
before the pipeline loads, and reported as one line: exit 2 for a bad option, 1 otherwise.
SIGTERM and Ctrl-C stop the run cleanly: finished files stay, the current temporary goes,
and a rerun resumes.
"""
import json
import signal
import sys
from contextlib import redirect_stdout
from pathlib import Path
from typing import List, Optional

import typer
from tqdm import tqdm

from ..annotation.annotator import check_pipeline
from ..annotation.engines import LocalEngine, RayEngine, WorkerError
from ..annotation.job import run_plan
from ..annotation.parts import PART_SIZE
from ..annotation.plan import AnnotateError, plan_run
from ..annotation.settings import RunSettings, SettingsError, check_engine_options
from ..corpora.formats import ANNOTATABLE, WRITABLE
from ..layers.task_encoder import QUANTIZE_MODES
from ..scheme import TASKS
from . import app


class Stopped(BaseException):
    """A signal asked the run to stop."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _stop(signum, frame):
    raise Stopped(signum)


@app.command("annotate")
def annotate_cli(
    inputs: List[Path] = typer.Argument(..., help="PubTator, BioC XML or PubMed XML files (gzip or not), or folders of them (walked recursively)"),
    model: str = typer.Option(..., "--model", "-m", help="Trained pipeline: package name or path"),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for the annotated files (outside the inputs)"),
    task: Optional[str] = typer.Option(None, help=f"Task for every document: {', '.join(TASKS)} (default: the pipeline's)"),
    input_format: Optional[str] = typer.Option(None, help=f"{', '.join(ANNOTATABLE)} (default: detected per file)"),
    output_format: Optional[str] = typer.Option(None, help=f"{' or '.join(WRITABLE)} (default: the input's; PubTator for PubMed XML)"),
    gzip: bool = typer.Option(False, "--gzip", help="Write gzip-compressed outputs (NAME.gz)"),
    batch_size: int = typer.Option(32, min=1, help="Documents per batch"),
    part_size: int = typer.Option(PART_SIZE, min=1, help="Documents per checkpointed part (a stopped file resumes from its last part)"),
    n_process: int = typer.Option(1, min=1, help="Worker processes (local) or actors (ray)"),
    engine: str = typer.Option("local", help="local or ray"),
    ray_address: Optional[str] = typer.Option(None, help="Ray cluster address (default: a local Ray)"),
    quantize: Optional[str] = typer.Option(None, help=f"{', '.join(QUANTIZE_MODES)}: int8 encoder weights, faster on a CPU"),
    min_score: Optional[float] = typer.Option(None, min=0.0, max=1.0, help="Leave out mentions scored below this (default: the pipe's)"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the traceback of an error"),
):
    """Annotate collections; finished outputs are kept and found done on a rerun (resume)."""
    try:
        settings = RunSettings.parse(task, min_score)
        check_engine_options(engine, quantize)
        for name, value, known in (("--input-format", input_format, ANNOTATABLE),
                                   ("--output-format", output_format, WRITABLE)):
            if value not in (None, *known):
                raise SettingsError(f"{name} {value!r}: choose one of {', '.join(known)}")
    except SettingsError as err:
        raise typer.BadParameter(str(err)) from None
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop)
    runner = None
    try:
        provenance = {"model": str(Path(model).resolve()) if Path(model).exists() else model, "task": task,
                      "min_score": min_score, "quantize": quantize}
        plan = plan_run(inputs, output, input_format=input_format, output_format=output_format, provenance=provenance,
                        compress=gzip)
        check_pipeline(model)
        # stdout carries only the JSON summary: what the engines' libraries print (Ray's
        # driver-side worker and raylet messages) goes to stderr.
        with redirect_stdout(sys.stderr):
            if engine == "ray":
                runner = RayEngine(model, n_actors=n_process, address=ray_address, quantize=quantize)
            else:
                runner = LocalEngine(model, n_process=n_process, quantize=quantize)
            with tqdm(unit="doc", desc="annotating", disable=None) as bar:
                summary = run_plan(plan, runner, settings, batch_size=batch_size, progress=bar.update, part_size=part_size)
            runner.close()
    except Stopped as stop:
        if runner is not None:
            runner.abort()
        typer.echo(f"Stopped by {stop}: finished files are kept in {output}; rerun the same command to resume.", err=True)
        raise typer.Exit(code=128 + stop.signum)
    except (AnnotateError, SettingsError, WorkerError, FileNotFoundError) as err:
        if runner is not None:
            runner.abort()
        if verbose:
            raise
        typer.echo(f"Error: {err}", err=True)
        raise typer.Exit(code=1)
    typer.echo(json.dumps(summary.to_dict(), indent=2))
    if summary.files_failed:
        raise typer.Exit(code=1)
