"""Memory of `annotate` on a large input: peak RSS (the process and its workers) at marks
(documents done) of one file of many documents (the corpora's abstracts repeated under new ids),
as PubTator or as a gzip-compressed PubMed XML file in NLM's format; documents/s; with
--resume-check, a second run stopped at 50 % and resumed, whose output must be the first run's,
byte for byte. Bounded memory means the last mark's figure stays within 10 % of the first one's.

  python bench/annotate_memory.py --docs 20000 --n-process 1 --n-process 2 [--quantize int8]
  python bench/annotate_memory.py --format pubmed --docs 30000 --mark 2000 --mark 10000 --mark 30000 \
      --n-process 1 --model training/all/model-final --resume-check

Without --model it uses an untrained pipeline on the offline MiniLM (weights do not change the
memory a run needs); the results go to bench/results/annotate_memory[_pubmed].json.
"""
import gzip
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

from xml.sax.saxutils import escape

from spacy_aioner.annotation.engines import LocalEngine
from spacy_aioner.annotation.job import annotate_files
from spacy_aioner.corpora.pubtator import read_pubtator

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "pubtator" / "BioRED_TrainDev.PubTator"


def make_input(folder: Path, corpus: Path, docs: int, fmt: str) -> None:
    """`docs` unannotated abstracts of `corpus`, repeated under new ids, in one PubTator file or
    one gzip-compressed PubMed XML file (new numeric PMIDs, the abstract as one AbstractText)."""
    sources = itertools.cycle(list(read_pubtator(corpus)))
    if fmt == "pubtator":
        with open(folder / "large.PubTator", "w", encoding="utf8") as out:
            for i, s in zip(range(docs), sources):
                doc_id = f"{s.id}-{i}"
                out.write(f"{doc_id}|t|{s.passages[0].text}\n{doc_id}|a|{s.passages[1].text if len(s.passages) > 1 else ''}\n\n")
        return
    with gzip.open(folder / "pubmed_large.xml.gz", "wt", encoding="utf8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<PubmedArticleSet>\n')
        for i, s in zip(range(docs), sources):
            abstract = s.passages[1].text if len(s.passages) > 1 else ""
            out.write(f'<PubmedArticle><MedlineCitation><PMID Version="1">{i + 1}</PMID><Article>'
                      f"<ArticleTitle>{escape(s.passages[0].text)}</ArticleTitle><Abstract><AbstractText>"
                      f"{escape(abstract)}</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>\n")
        out.write("</PubmedArticleSet>\n")


class Stop(Exception):
    """Raised by the progress callback to stop a run part-way, as a signal would."""


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

    def __init__(self, marks: List[int], every: float = 0.5):
        super().__init__(daemon=True)
        self.marks, self.every, self.done = marks, every, 0
        self.peak, self.at_marks, self.stop = 0, {}, threading.Event()

    def progress(self, n: int) -> None:
        self.done += n
        self.sample()

    def sample(self) -> None:
        self.peak = max(self.peak, tree_rss_kb(os.getpid()))
        for mark in self.marks:
            if mark not in self.at_marks and self.done >= mark:
                self.at_marks[mark] = self.peak
                print(f"{self.done:,} documents: peak RSS {self.peak / 1024:.1f} MB", flush=True)

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
    fmt: str = typer.Option("pubtator", "--format", help="pubtator, or pubmed (NLM XML, gzip-compressed)"),
    mark: List[int] = typer.Option([], help="Documents done at which to record peak RSS; repeatable (default: 10, 50, 100 %)"),
    n_process: List[int] = typer.Option([1, 2], help="Worker processes; repeatable"),
    batch_size: int = 32,
    quantize: Optional[str] = typer.Option(None, help="int8: the encoder as `annotate --quantize int8` loads it"),
    resume_check: bool = typer.Option(False, help="Also stop a run at 50 %, resume it, and compare the outputs"),
    corpus: Path = CORPUS,
    output: Optional[Path] = None,
):
    marks = sorted(mark) or [docs // 10, docs // 2, docs]
    output = output or ROOT / "bench" / "results" / f"annotate_memory{'_pubmed' if fmt == 'pubmed' else ''}.json"
    results = {"docs": docs, "format": fmt, "batch_size": batch_size, "quantize": quantize, "corpus": corpus.name,
               "machine": platform.platform(), "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d"), "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = model or default_pipeline(tmp / "pipeline")
        results["model"] = model if not model.startswith(str(tmp)) else "untrained offline MiniLM (ALL)"
        (tmp / "in").mkdir()
        make_input(tmp / "in", corpus, docs, fmt)
        for n in n_process:
            sampler = Sampler(marks)
            sampler.start()
            started = time.perf_counter()
            engine = LocalEngine(model, n_process=n, quantize=quantize)
            summary = annotate_files([tmp / "in"], tmp / f"out{n}", engine, batch_size=batch_size,
                                     progress=sampler.progress)
            sampler.stop.set()
            seconds = time.perf_counter() - started
            at = {f"{m:,} docs": round(sampler.at_marks.get(m, sampler.peak) / 1024, 1) for m in marks}
            first, last = at[f"{marks[0]:,} docs"], at[f"{marks[-1]:,} docs"]
            run = {"n_process": n, "seconds": round(seconds, 1), "documents": summary.documents,
                   "documents_per_second": round(summary.documents / seconds, 2), "notes": dict(summary.to_dict()["notes"]),
                   "peak_rss_mb": at, "growth_first_to_last_mark": round(last / first - 1, 4)}
            results["runs"].append(run)
            write(results, output)  # kept if the resume check does not finish
            if resume_check:
                run["resume"] = stop_and_resume(engine, tmp, n, docs, batch_size)
                write(results, output)
            engine.close()
            print(json.dumps(run), flush=True)


def write(results: dict, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf8")


def stop_and_resume(engine: LocalEngine, tmp: Path, n: int, docs: int, batch_size: int) -> dict:
    """Annotate the input again, stopped once half its documents are done, then rerun: how many
    documents the rerun annotated, and whether its output is the uninterrupted run's, byte for byte."""
    done = [0]

    def stop_half_way(count: int) -> None:
        done[0] += count
        if done[0] >= docs // 2:
            raise Stop()

    folder = tmp / f"stopped{n}"
    try:
        annotate_files([tmp / "in"], folder, engine, batch_size=batch_size, progress=stop_half_way)
    except Stop:
        pass
    stopped_at, done[0] = done[0], 0
    annotate_files([tmp / "in"], folder, engine, batch_size=batch_size, progress=lambda count: done.__setitem__(0, done[0] + count))
    names = [p.name for p in (tmp / f"out{n}").iterdir() if not p.name.startswith(".") and p.name != "summary.json"]
    same = all((folder / name).read_bytes() == (tmp / f"out{n}" / name).read_bytes() for name in names)
    return {"stopped_after": stopped_at, "annotated_by_the_rerun": done[0], "byte_identical": same}


if __name__ == "__main__":
    typer.run(main)
