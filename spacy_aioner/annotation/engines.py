"""Engines that turn batches of source documents into results, in input order.

- ``LocalEngine``: the pipeline in this process (n_process=1) or a pool of worker processes,
  each loading the pipeline once and using one torch thread; at most a few batches per
  worker are in flight, so memory stays bounded whatever the collection's size. A worker
  that cannot load the pipeline, or dies, stops the run with a WorkerError (no respawning).
- ``RayEngine``: Ray Data over the batches of each input file, with actors that load the
  pipeline once; a local Ray instance by default, a cluster when given an address.
"""
import multiprocessing
import pickle
import signal
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Iterable, Iterator, List, Optional

from ..corpora.records import SourceDocument
from .worker import Annotator, Result

_worker: Optional[Annotator] = None
_start_error: Optional[str] = None


class WorkerError(RuntimeError):
    """The pipeline could not be loaded, or a worker process died: the run cannot go on."""


def load_annotator(model: str, threads: int = 0, **options) -> Annotator:
    """The pipeline `model` with `options` (task, quantize, min_score), or a one-line
    WorkerError saying why it cannot load."""
    try:
        return Annotator(model, threads=threads, **options)
    except Exception as err:  # noqa: BLE001 - whatever spaCy raises, the user gets one line
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        raise WorkerError(f"cannot load the pipeline {model!r}: {type(err).__name__}: {first}") from err


def _init_worker(model: str, options: dict) -> None:
    global _worker, _start_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    try:
        _worker = load_annotator(model, threads=1, **options)
    except WorkerError as err:  # kept, and raised by the first batch: the parent learns why
        _start_error = str(err)


def _run_batch(job) -> List[Result]:
    if _start_error is not None:
        raise WorkerError(f"a worker process could not start: {_start_error}")
    batch, output_format = job
    return _worker(batch, output_format)


class LocalEngine:
    """Annotate in this process, or in `n_process` worker processes."""

    def __init__(self, model: str, task: Optional[str] = None, n_process: int = 1, **options):
        self.n_process = n_process
        self.pool: Optional[ProcessPoolExecutor] = None
        options = {"task": task, **options}
        if n_process == 1:
            self.annotator = load_annotator(model, **options)
        else:
            self.pool = ProcessPoolExecutor(n_process, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_init_worker, initargs=(model, options))

    def __call__(self, batches: Iterable[List[SourceDocument]], output_format: str) -> Iterator[List[Result]]:
        if self.pool is None:
            for batch in batches:
                yield self.annotator(batch, output_format)
            return
        pending = deque()
        try:
            for batch in batches:
                pending.append(self.pool.submit(_run_batch, (batch, output_format)))
                if len(pending) >= 4 * self.n_process:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BrokenProcessPool as err:
            raise WorkerError(f"a worker process died ({err}); finished files are kept, rerun to resume") from None
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        """Stop the workers now (on an error or a signal).

        The workers are ended first and the pool is then shut down waiting for its manager
        thread: shutting down without waiting lets that thread outlive the pool's state and
        fail at exit (CPython gh-132969: "OSError: [Errno 9] Bad file descriptor")."""
        if self.pool is not None:
            processes = list((getattr(self.pool, "_processes", None) or {}).values())
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(timeout=10)
                if process.is_alive():
                    process.kill()
        self.close()


class _RayAnnotator:
    """A Ray Data actor: loads the pipeline once, annotates pickled batches."""

    def __init__(self, model: str, options: dict):
        self.annotator = load_annotator(model, threads=1, **options)

    def __call__(self, rows):
        return {"results": [pickle.dumps(self.annotator(*pickle.loads(job))) for job in rows["batch"]]}


class RayEngine:
    """Annotate with Ray Data: one dataset per input file, `n_actors` pipeline actors."""

    def __init__(self, model: str, task: Optional[str] = None, n_actors: int = 1,
                 address: Optional[str] = None, **options):
        try:
            import ray
        except ImportError:
            raise ImportError("--engine ray needs Ray: pip install 'spacy-aioner[ray]'") from None
        self.ray = ray
        if not ray.is_initialized():
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
        self.args = (model, {"task": task, **options})
        self.n_actors = n_actors

    def __call__(self, batches: Iterable[List[SourceDocument]], output_format: str) -> Iterator[List[Result]]:
        items = [{"batch": pickle.dumps((batch, output_format))} for batch in batches]
        if not items:
            return
        context = self.ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        dataset = self.ray.data.from_items(items).map_batches(
            _RayAnnotator, fn_constructor_args=self.args, batch_size=1, concurrency=self.n_actors,
        )
        for row in dataset.iter_rows():
            yield pickle.loads(row["results"])

    def close(self) -> None:
        self.ray.shutdown()

    def abort(self) -> None:
        self.ray.shutdown()
