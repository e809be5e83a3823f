"""The micro-batcher on its own: batches by key, bounded queue, errors to every caller."""
import threading

import pytest

from spacy_aioner.service.batcher import MicroBatcher, QueueFull


def test_requests_of_one_key_share_a_batch_and_keep_their_order():
    seen = []
    gate = threading.Event()

    def process(key, items):
        gate.wait(10)
        seen.append((key, list(items)))
        return [f"{key}:{item}" for item in items]

    batcher = MicroBatcher(process, max_items=4, max_wait=0.05, max_queue=10)
    first = batcher.submit("a", [1])  # the worker takes it and waits at the gate
    later = [batcher.submit(key, items) for key, items in [("a", [2, 3]), ("b", [4]), ("a", [5, 6])]]
    gate.set()
    assert first.result(10) == ["a:1"]
    assert [f.result(10) for f in later] == [["a:2", "a:3"], ["b:4"], ["a:5", "a:6"]]
    assert all(len(items) <= 4 for _, items in seen) and len(seen) < 4  # some requests were batched
    batcher.close()


def test_a_full_queue_raises_at_once_and_errors_reach_every_caller():
    gate = threading.Event()

    def process(key, items):
        gate.wait(10)
        raise RuntimeError("broken")

    batcher = MicroBatcher(process, max_items=8, max_wait=0.0, max_queue=1)
    running = batcher.submit("k", [1])
    while batcher.pending:
        threading.Event().wait(0.01)
    waiting = batcher.submit("k", [2])
    with pytest.raises(QueueFull):
        batcher.submit("k", [3])
    gate.set()
    for future in (running, waiting):
        with pytest.raises(RuntimeError, match="broken"):
            future.result(10)
    batcher.close()


def test_a_cancelled_request_is_skipped_and_the_worker_lives_on():
    gate = threading.Event()
    batcher = MicroBatcher(lambda key, items: gate.wait(10) and list(items), max_wait=0.0)
    running = batcher.submit("k", [1])
    cancelled = batcher.submit("other", [2])
    assert cancelled.cancel()
    gate.set()
    assert running.result(10) == [1]
    assert batcher.submit("k", [3]).result(10) == [3]
    batcher.close()
