"""Micro-batching: requests from many clients become few ``nlp.pipe`` batches, run by one thread.

Each request is a list of items with a key (its tasks and threshold, say). The worker takes the
oldest request, waits up to `max_wait` seconds for more with the same key, until `max_items`,
and hands them to `process` at once. The queue is bounded: `submit` on a full queue raises
QueueFull at once, so a caller can answer "busy, retry later" instead of waiting forever.
"""
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, List, Optional, Sequence


class QueueFull(Exception):
    """The batcher holds `max_queue` requests already."""


@dataclass
class _Request:
    key: Hashable
    items: Sequence[Any]
    future: Future = field(default_factory=Future)


class MicroBatcher:
    """Groups submitted requests by key into batches for `process(key, items) -> results`
    (one result per item, in order), run on a single worker thread."""

    def __init__(self, process: Callable[[Hashable, List[Any]], List[Any]], *, max_items: int = 32,
                 max_wait: float = 0.005, max_queue: int = 64):
        if max_items < 1 or max_queue < 1 or max_wait < 0:
            raise ValueError("max_items and max_queue must be at least 1, max_wait at least 0")
        self.process, self.max_items, self.max_wait = process, max_items, max_wait
        self._queue: "queue.Queue[Optional[_Request]]" = queue.Queue(maxsize=max_queue)
        self._held: List[_Request] = []  # taken from the queue, waiting for a batch of their key
        self._thread = threading.Thread(target=self._run, name="aioner-batcher", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Requests waiting (approximately)."""
        return self._queue.qsize() + len(self._held)

    def submit(self, key: Hashable, items: Sequence[Any]) -> Future:
        """Queue `items` under `key`; the future gets their results. QueueFull when full."""
        request = _Request(key, list(items))
        try:
            self._queue.put_nowait(request)
        except queue.Full:
            raise QueueFull(f"{self._queue.maxsize} requests are waiting") from None
        return request.future

    def close(self, timeout: float = 10.0) -> None:
        """Stop the worker after the requests already queued."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self._held.pop(0) if self._held else self._queue.get()
            if first is None:
                return
            batch, size = [first], len(first.items)
            deadline = time.monotonic() + self.max_wait
            for held in list(self._held):  # same-key requests that came while another key ran
                if held.key == first.key and size + len(held.items) <= self.max_items:
                    self._held.remove(held)
                    batch.append(held)
                    size += len(held.items)
            stop = False
            while size < self.max_items:
                remaining = deadline - time.monotonic()
                try:
                    request = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if request is None:
                    stop = True
                    break
                if request.key == first.key and size + len(request.items) <= self.max_items:
                    batch.append(request)
                    size += len(request.items)
                else:
                    self._held.append(request)
            self._run_batch(first.key, batch)
            if stop:
                for request in self._held:
                    self._run_batch(request.key, [request])
                return

    def _run_batch(self, key: Hashable, batch: List[_Request]) -> None:
        batch = [request for request in batch if request.future.set_running_or_notify_cancel()]  # callers gone
        if not batch:
            return
        items = [item for request in batch for item in request.items]
        try:
            results = self.process(key, items)
            if len(results) != len(items):
                raise RuntimeError(f"process gave {len(results)} results for {len(items)} items")
        except BaseException as err:  # noqa: BLE001 - handed to every waiting caller
            for request in batch:
                request.future.set_exception(err)
            return
        start = 0
        for request in batch:
            request.future.set_result(results[start:start + len(request.items)])
            start += len(request.items)
