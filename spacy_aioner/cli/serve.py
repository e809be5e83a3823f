"""``python -m spacy_aioner serve``: the pipeline as an HTTP service and a page, on this
machine (uvicorn) or on Ray Serve replicas."""
import ipaddress
from typing import Optional

import typer

from ..annotation.annotator import check_pipeline
from ..annotation.settings import SettingsError, check_engine_options
from ..layers.task_encoder import QUANTIZE_MODES
from . import app


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command("serve")
def serve_cli(
    model: str = typer.Option(..., "--model", "-m", help="Trained pipeline: package name or path"),
    host: str = typer.Option("127.0.0.1", help="Address to bind (default: this machine only)"),
    port: int = typer.Option(8080, help="Port"),
    token: Optional[str] = typer.Option(
        None, envvar="AIONER_SERVICE_TOKEN", help="Bearer token every endpoint but /health requires "
        "(or the AIONER_SERVICE_TOKEN variable)", show_envvar=False,
    ),
    engine: str = typer.Option("local", help="local (one process) or ray (Ray Serve replicas)"),
    replicas: int = typer.Option(1, min=1, help="Ray Serve replicas (--engine ray)"),
    ray_address: Optional[str] = typer.Option(None, help="Ray cluster address (default: a local Ray)"),
    quantize: Optional[str] = typer.Option(None, help=f"{', '.join(QUANTIZE_MODES)}: int8 encoder weights, faster on a CPU"),
    threads: int = typer.Option(0, min=0, help="torch threads per process (0: torch's default)"),
    max_body_bytes: int = typer.Option(2_000_000, min=1, help="Largest request body (413 above)"),
    max_texts: int = typer.Option(64, min=1, help="Most texts or documents per request (413 above)"),
    max_batch: int = typer.Option(32, min=1, help="Texts per nlp.pipe batch"),
    max_queue: int = typer.Option(64, min=1, help="Requests waiting before 503 Busy"),
):
    """Serve POST /annotate (JSON), /annotate/pubtator, /annotate/bioc, GET /metadata, /health
    and a page at / that shows the mentions."""
    try:
        from .. import service  # noqa: F401
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError as err:
        typer.echo(f"Error: serve needs FastAPI and uvicorn ({err}); pip install \"spacy-aioner[serve]\"", err=True)
        raise typer.Exit(code=1)
    try:
        check_engine_options(engine, quantize)
    except SettingsError as err:
        raise typer.BadParameter(str(err)) from None
    try:
        check_pipeline(model)
    except FileNotFoundError as err:
        typer.echo(f"Error: {err}", err=True)
        raise typer.Exit(code=1)
    if not is_loopback(host) and not token:
        typer.echo(f"Warning: {host} is reachable from other machines and no --token is set: anyone who can "
                   "reach it can use the service", err=True)
    from ..service.app import Limits, create_app

    limits = Limits(max_body_bytes=max_body_bytes, max_texts=max_texts, max_batch=max_batch, max_queue=max_queue)
    if engine == "ray":
        from ..service.ray_serve import run_on_ray

        typer.echo(f"Serving {model} on {replicas} Ray Serve replica(s) at http://{host}:{port}/")
        run_on_ray(model, replicas=replicas, host=host, port=port, quantize=quantize, threads=threads,
                   limits=limits, token=token, address=ray_address)
        return
    from ..service.annotations import AnnotationService

    service = AnnotationService(model, quantize=quantize, threads=threads)
    typer.echo(f"Serving {model} at http://{host}:{port}/")
    uvicorn.run(create_app(service, limits, token), host=host, port=port, log_level="warning")
