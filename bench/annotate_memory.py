"""Memory of `annotate` on a large input: peak RSS (the process and its workers) at 10 %, 50 %
and 100 % of one PubTator file of many documents (the corpora's abstracts repeated under new
ids). Bounded memory means the 100 % figure stays within 10 % of the 10 % one.

  python bench/annotate_memory.py --docs 20000 --n-process 1 --n-process 2 [--quantize int8]

Without --model it uses an untrained pipeline on the offline MiniLM (weights do not change the
memory a run needs); the results go to bench/results/annotate_memory.json.
"""
import itertools
import json
import os
import platform
import tempfile
import threading
import time
from pathlib import Path
from typing import List, Optional

import typer

from spacy_aioner.annotation.engines import LocalEngine
from spacy_aioner.annotation.job import annotate_files
from spacy_aioner.corpora.pubtator import read_pubtator

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "pubtator" / "BioRED_TrainDev.PubTator"
MARKS = (0.1, 0.5, 1.0)


def make_input(path: Path, corpus: Path, docs: int) -> None:
    """`docs` unannotated abstracts of `corpus`, repeated under new ids, in one PubTator file."""
    sources = list(read_pubtator(corpus))
    with open(path, "w", encoding="utf8") as out:
        for i, s in zip(range(docs), itertools.cycle(sources)):
            doc_id = f"{s.id}-{i}"
            out.write(f"{doc_id}|t|{s.passages[0].text}\n{doc_id}|a|{s.passages[1].text if len(s.passages) > 1 else ''}\n\n")


def tree_rss_kb(pid: int) -> int:
    """Resident memory of `pid` and all its descendants, in kB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo.extend(int(c) for c in children.read().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


class Sampler(threading.Thread):
    """Samples the process tree's RSS; records the peak so far whenever progress passes a mark."""

    def __init__(self, total_docs: int, every: float = 0.5):
        super().__init__(daemon=True)
        self.total, self.every, self.done = total_docs, every, 0
        self.peak, self.at_marks, self.stop = 0, {}, threading.Event()

    def progress(self, n: int) -> None:
        self.done += n
        self.sample()

    def sample(self) -> None:
        self.peak = max(self.peak, tree_rss_kb(os.getpid()))
        for mark in MARKS:
            if mark not in self.at_marks and self.done >= mark * self.total:
                self.at_marks[mark] = self.peak

    def run(self) -> None:
        while not self.stop.wait(self.every):
            self.sample()


def default_pipeline(folder: Path) -> str:
    from spacy_aioner.tokenizer import blank_biomedical

    nlp = blank_biomedical()
    nlp.add_pipe("aioner_transformer")
    nlp.add_pipe("aioner", config={"task": "ALL"})
    nlp.initialize()
    nlp.to_disk(folder)
    return str(folder)


def main(
    model: Optional[str] = typer.Option(None, help="Pipeline (default: untrained, offline MiniLM)"),
    docs: int = typer.Option(20000, help="Documents in the input file"),
    n_process: List[int] = typer.Option([1, 2], help="Worker processes; repeatable"),
    batch_size: int = 32,
    quantize: Optional[str] = typer.Option(None, help="int8: the encoder as `annotate --quantize int8` loads it"),
    corpus: Path = CORPUS,
    output: Path = ROOT / "bench" / "results" / "annotate_memory.json",
):
    results = {"docs": docs, "batch_size": batch_size, "quantize": quantize, "corpus": corpus.name, "machine": platform.platform(),
               "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d"), "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = model or default_pipeline(tmp / "pipeline")
        results["model"] = model if not model.startswith(str(tmp)) else "untrained offline MiniLM (ALL)"
        (tmp / "in").mkdir()
        make_input(tmp / "in" / "large.PubTator", corpus, docs)
        for n in n_process:
            sampler = Sampler(docs)
            sampler.start()
            started = time.perf_counter()
            engine = LocalEngine(model, None, n_process=n, quantize=quantize)
            summary = annotate_files([tmp / "in"], tmp / f"out{n}", engine, batch_size=batch_size,
                                     progress=sampler.progress)
            engine.close()
            sampler.stop.set()
            seconds = time.perf_counter() - started
            marks = {f"{int(m * 100)}%": round(sampler.at_marks.get(m, sampler.peak) / 1024, 1) for m in MARKS}
            run = {"n_process": n, "seconds": round(seconds, 1), "documents": summary.documents,
                   "peak_rss_mb": marks, "growth_10_to_100": round(marks["100%"] / marks["10%"] - 1, 4)}
            results["runs"].append(run)
            print(json.dumps(run))
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf8")


if __name__ == "__main__":
    typer.run(main)
