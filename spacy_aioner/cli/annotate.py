"""``python -m spacy_aioner annotate``: PubTator/BioC collections in, annotated files out.

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

from ..annotation.engines import LocalEngine, RayEngine, WorkerError
from ..annotation.job import annotate_files
from ..annotation.plan import AnnotateError, plan_run
from ..annotation.worker import check_pipeline
from ..corpora.formats import FORMATS
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
    inputs: List[Path] = typer.Argument(..., help="PubTator or BioC XML files, or folders of them (walked recursively)"),
    model: str = typer.Option(..., "--model", "-m", help="Trained pipeline: package name or path"),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for the annotated files (outside the inputs)"),
    task: Optional[str] = typer.Option(None, help=f"Task for every document: {', '.join(TASKS)} (default: the pipeline's)"),
    input_format: Optional[str] = typer.Option(None, help="pubtator or bioc (default: detected per file)"),
    output_format: Optional[str] = typer.Option(None, help="pubtator or bioc (default: the input's)"),
    batch_size: int = typer.Option(32, min=1, help="Documents per batch"),
    n_process: int = typer.Option(1, min=1, help="Worker processes (local) or actors (ray)"),
    engine: str = typer.Option("local", help="local or ray"),
    ray_address: Optional[str] = typer.Option(None, help="Ray cluster address (default: a local Ray)"),
    quantize: Optional[str] = typer.Option(None, help="int8: int8 encoder weights, faster on a CPU (default: as saved)"),
    min_score: Optional[float] = typer.Option(None, min=0.0, max=1.0, help="Leave out mentions scored below this (default: the pipe's)"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the traceback of an error"),
):
    """Annotate collections; finished outputs are kept and found done on a rerun (resume)."""
    if task is not None and task not in TASKS:
        raise typer.BadParameter(f"{task!r} is not a task; choose one of {', '.join(TASKS)}", param_hint="--task")
    for name, value in (("--input-format", input_format), ("--output-format", output_format)):
        if value not in (None, "pubtator", "bioc"):
            raise typer.BadParameter(f"must be pubtator or bioc, got {value!r}", param_hint=name)
    if quantize not in (None, *QUANTIZE_MODES):
        raise typer.BadParameter(f"must be {' or '.join(QUANTIZE_MODES)}, got {quantize!r}", param_hint="--quantize")
    if engine not in ("local", "ray"):
        raise typer.BadParameter(f"must be local or ray, got {engine!r}", param_hint="--engine")
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop)
    runner = None
    try:
        settings = {"model": str(Path(model).resolve()) if Path(model).exists() else model, "task": task,
                    "min_score": min_score, "quantize": quantize}
        plan = plan_run(inputs, output, input_format=input_format, output_format=output_format, settings=settings)
        unknown = [str(job.source) for job in plan.jobs if job.fmt not in FORMATS or job.fmt == "conll"]
        if unknown:
            raise AnnotateError(f"annotate reads PubTator and BioC XML, not CoNLL: {', '.join(unknown)}")
        check_pipeline(model)
        # stdout carries only the JSON summary: what the engines' libraries print (Ray's
        # driver-side worker and raylet messages) goes to stderr.
        with redirect_stdout(sys.stderr):
            if engine == "ray":
                runner = RayEngine(model, task, n_actors=n_process, address=ray_address, quantize=quantize,
                                   min_score=min_score)
            else:
                runner = LocalEngine(model, task, n_process=n_process, quantize=quantize, min_score=min_score)
            with tqdm(unit="doc", desc="annotating", disable=None) as bar:
                summary = annotate_files(inputs, output, runner, batch_size=batch_size, progress=bar.update, plan=plan,
                                         settings=settings)
            runner.close()
    except Stopped as stop:
        if runner is not None:
            runner.abort()
        typer.echo(f"Stopped by {stop}: finished files are kept in {output}; rerun the same command to resume.", err=True)
        raise typer.Exit(code=128 + stop.signum)
    except (AnnotateError, WorkerError, FileNotFoundError) as err:
        if runner is not None:
            runner.abort()
        if verbose:
            raise
        typer.echo(f"Error: {err}", err=True)
        raise typer.Exit(code=1)
    typer.echo(json.dumps(summary.to_dict(), indent=2))
    if summary.files_failed:
        raise typer.Exit(code=1)
