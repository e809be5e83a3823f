"""Engines that turn batches of source documents into results, in input order.

- ``LocalEngine``: the pipeline in this process (n_process=1) or a pool of worker processes,
  each loading the pipeline once and using one torch thread; at most a few batches per
  worker are in flight, so memory stays bounded whatever the collection's size.
- ``RayEngine``: Ray Data over the batches of each input file, with actors that load the
  pipeline once; a local Ray instance by default, a cluster when given an address.
"""
import multiprocessing
import pickle
from itertools import islice
from typing import Iterable, Iterator, List, Optional

from ..corpora.records import SourceDocument
from .worker import Annotator, Result

_worker: Optional[Annotator] = None


def _init_worker(model: str, task: Optional[str]) -> None:
    global _worker
    _worker = Annotator(model, task, threads=1)


def _run_batch(job) -> List[Result]:
    batch, output_format = job
    return _worker(batch, output_format)


class LocalEngine:
    """Annotate in this process, or in `n_process` worker processes."""

    def __init__(self, model: str, task: Optional[str], n_process: int = 1):
        self.n_process = n_process
        if n_process == 1:
            self.annotator = Annotator(model, task)
            self.pool = None
        else:
            context = multiprocessing.get_context("spawn")
            self.pool = context.Pool(n_process, initializer=_init_worker, initargs=(model, task))

    def __call__(self, batches: Iterable[List[SourceDocument]], output_format: str) -> Iterator[List[Result]]:
        if self.pool is None:
            for batch in batches:
                yield self.annotator(batch, output_format)
            return
        iterator = ((batch, output_format) for batch in batches)
        while True:
            window = list(islice(iterator, 4 * self.n_process))
            if not window:
                return
            yield from self.pool.imap(_run_batch, window)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()


class _RayAnnotator:
    """A Ray Data actor: loads the pipeline once, annotates pickled batches."""

    def __init__(self, model: str, task: Optional[str]):
        self.annotator = Annotator(model, task, threads=1)

    def __call__(self, rows):
        return {"results": [pickle.dumps(self.annotator(*pickle.loads(job))) for job in rows["batch"]]}


class RayEngine:
    """Annotate with Ray Data: one dataset per input file, `n_actors` pipeline actors."""

    def __init__(self, model: str, task: Optional[str], n_actors: int = 1,
                 address: Optional[str] = None):
        try:
            import ray
        except ImportError:
            raise ImportError("--engine ray needs Ray: pip install 'spacy-aioner[ray]'") from None
        self.ray = ray
        if not ray.is_initialized():
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
        self.args = (model, task)
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
