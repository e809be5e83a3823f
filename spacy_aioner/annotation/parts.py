"""Checkpointed parts of one output: a long input file is annotated `part_size` documents at a
time, each finished part kept beside the output (hidden, ``.NAME.part-00001``), so a stopped run
resumes from the last finished part. The output is then written from the parts, in order, with
the writer an uninterrupted run uses: it is the same, byte for byte.

Parts are used only with the input and settings they were made from (``.NAME.parts.json``);
others are removed. They are removed once the output is in place.
"""
import json
import os
import pickle
from pathlib import Path
from typing import Dict, Iterator, List

from .annotator import Result
from .plan import FileJob

PART_SIZE = 1000


class Parts:
    """The finished parts of `job`'s output, for `provenance` and `part_size`."""

    def __init__(self, job: FileJob, provenance: Dict, part_size: int = PART_SIZE):
        self.job, self.part_size = job, part_size
        self.record = {**job.record(provenance), "part_size": part_size}
        self.record_path = job.hidden(".parts.json")

    def path(self, index: int) -> Path:
        return self.job.hidden(f".part-{index:05d}")

    def resume(self) -> int:
        """How many parts an earlier run of the same input and settings finished (their
        documents are not annotated again); parts of anything else are removed."""
        try:
            same = json.loads(self.record_path.read_text(encoding="utf8")) == self.record
        except (OSError, ValueError):
            same = False
        count = 0
        while same and self.path(count).exists():
            count += 1
        if not same:
            self.remove()
        return count

    def save(self, index: int, results: List[Result]) -> None:
        """Keep part `index` (written through a temporary, so a part that exists is complete)."""
        if index == 0:
            self.record_path.write_text(json.dumps(self.record), encoding="utf8")
        tmp = self.job.temporary(f".part-{index:05d}")
        with open(tmp, "wb") as stream:
            pickle.dump(results, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.path(index))

    def load(self) -> Iterator[Result]:
        """Every result of the finished parts, in order, one part in memory at a time."""
        index = 0
        while self.path(index).exists():
            with open(self.path(index), "rb") as stream:
                yield from pickle.load(stream)
            index += 1

    def remove(self) -> None:
        for path in self.job.target.parent.glob(f".{self.job.target.name}.part-*"):
            if path.name[len(self.job.target.name) + 7:].isdigit():
                path.unlink(missing_ok=True)
        self.record_path.unlink(missing_ok=True)
