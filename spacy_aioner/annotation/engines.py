"""Engines: where the annotator runs. Each turns batches of source documents and the run's
settings into results, in input order.

- ``LocalEngine``: the pipeline in this process (n_process=1) or a pool of worker processes,
  each loading the pipeline once and using one torch thread; at most a few batches per
  worker are in flight, so memory stays bounded whatever the collection's size. A worker
  that cannot load the pipeline, or dies, stops the run with a WorkerError (no respawning).
- ``RayEngine``: Ray actors that load the pipeline once per run and annotate the batches of
  every input file; a local Ray instance by default, a cluster when given an address.
"""
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Iterable, Iterator, List, Optional

from ..corpora.records import SourceDocument
from .annotator import Annotator, Result
from .settings import RunSettings

_worker: Optional[Annotator] = None
_start_error: Optional[str] = None
_pipeline_loads = 0  # in this process: what a Ray actor reports, to show it loaded once


class WorkerError(RuntimeError):
    """The pipeline could not be loaded, or a worker process died: the run cannot go on."""


def load_annotator(model: str, threads: int = 0, **options) -> Annotator:
    """The pipeline `model` with `options` (quantize), or a one-line WorkerError saying why it
    cannot load."""
    global _pipeline_loads
    _pipeline_loads += 1
    try:
        return Annotator(model, threads=threads, **options)
    except Exception as err:  # noqa: BLE001 - whatever spaCy raises, the user gets one line
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        raise WorkerError(f"cannot load the pipeline {model!r}: {type(err).__name__}: {first}") from err


def _init_worker(model: str, options: dict, parent: int) -> None:
    global _worker, _start_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    _exit_with_parent(parent)
    try:
        _worker = load_annotator(model, threads=1, **options)
    except WorkerError as err:  # kept, and raised by the first batch: the parent learns why
        _start_error = str(err)


def _exit_with_parent(parent: int, every: float = 1.0) -> None:
    """A daemon thread that ends this worker when its parent `parent` dies (killed with SIGKILL,
    say: the pool can then not stop it), instead of living on, blocked, under init. The pid comes
    from the parent: the parent may be dead before this worker gets here."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _run_batch(job) -> List[Result]:
    if _start_error is not None:
        raise WorkerError(f"a worker process could not start: {_start_error}")
    batch, settings = job
    return _worker(batch, settings)


class LocalEngine:
    """Annotate in this process, or in `n_process` worker processes."""

    def __init__(self, model: str, n_process: int = 1, **options):
        self.n_process = n_process
        self.pool: Optional[ProcessPoolExecutor] = None
        if n_process == 1:
            self.annotator = load_annotator(model, **options)
        else:
            self.pool = ProcessPoolExecutor(n_process, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_init_worker, initargs=(model, options, os.getpid()))

    def __call__(self, batches: Iterable[List[SourceDocument]], settings: RunSettings) -> Iterator[List[Result]]:
        if self.pool is None:
            for batch in batches:
                yield self.annotator(batch, settings)
            return
        pending = deque()
        try:
            for batch in batches:
                pending.append(self.pool.submit(_run_batch, (batch, settings)))
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
    """A Ray actor: loads the pipeline once, then annotates pickled batches for the whole run."""

    def __init__(self, model: str, options: dict):
        try:
            self.annotator = load_annotator(model, threads=1, **options)
            self.error = None
        except WorkerError as err:  # kept, and reported by `ready`: the driver learns why
            self.error = str(err)

    def ready(self) -> Optional[str]:
        return self.error

    def annotate(self, job: bytes) -> bytes:
        batch, settings = pickle.loads(job)
        return pickle.dumps(self.annotator(batch, settings))

    def pipeline_loads(self) -> int:
        """How many times this actor's process loaded a pipeline."""
        return _pipeline_loads


class RayEngine:
    """Annotate on Ray: `n_actors` actors, created on first use, each loading the pipeline once
    and kept for every file of the run. Batches go round-robin, at most two in flight per
    actor, and come back in input order."""

    def __init__(self, model: str, n_actors: int = 1, address: Optional[str] = None, **options):
        try:
            import ray
        except ImportError:
            raise ImportError("--engine ray needs Ray: pip install 'spacy-aioner[ray]'") from None
        self.ray = ray
        if not ray.is_initialized():
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
        self.args = (model, options)
        self.n_actors = n_actors
        self.actors: List = []

    def _start(self) -> None:
        cpus = int(self.ray.cluster_resources().get("CPU", 0))
        if self.n_actors > cpus:  # each actor takes one CPU: the others would wait for ever
            raise WorkerError(f"{self.n_actors} Ray actors need {self.n_actors} CPUs; the Ray cluster has {cpus}")
        actor_class = self.ray.remote(num_cpus=1)(_RayAnnotator)
        self.actors = [actor_class.remote(*self.args) for _ in range(self.n_actors)]
        try:
            errors = [e for e in self.ray.get([a.ready.remote() for a in self.actors]) if e]
        except self.ray.exceptions.RayError as err:
            raise WorkerError(f"a Ray actor could not start: {str(err).strip().splitlines()[0]}") from None
        if errors:
            raise WorkerError(f"a Ray actor could not start: {errors[0]}")

    def __call__(self, batches: Iterable[List[SourceDocument]], settings: RunSettings) -> Iterator[List[Result]]:
        if not self.actors:
            self._start()
        pending = deque()
        try:
            for i, batch in enumerate(batches):
                actor = self.actors[i % len(self.actors)]
                pending.append(actor.annotate.remote(pickle.dumps((batch, settings))))
                if len(pending) >= 2 * len(self.actors):
                    yield pickle.loads(self.ray.get(pending.popleft()))
            while pending:
                yield pickle.loads(self.ray.get(pending.popleft()))
        except self.ray.exceptions.RayActorError as err:
            raise WorkerError(f"a Ray actor died ({str(err).strip().splitlines()[0]}); finished files are kept, "
                              "rerun to resume") from None
        finally:
            for ref in pending:
                self.ray.cancel(ref)

    def pipeline_loads(self) -> int:
        """Pipeline loads over all actors so far (one per actor when they are kept)."""
        return sum(self.ray.get([a.pipeline_loads.remote() for a in self.actors]))

    def close(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor)
        self.actors = []
        self.ray.shutdown()

    def abort(self) -> None:
        self.close()
