"""Throughput of `spacy_aioner annotate`: documents/s and words/s for one process, N worker
processes and Ray (local), on the same PubTator input, and the wall time projected from the
best measured per-core rate for 35 million PubMed abstracts on 100 cores.

  python bench/annotate_throughput.py --model training/all/model-best --docs 200 [--quantize int8]
"""
import itertools
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Optional

import torch
import typer
from wasabi import MarkdownRenderer

from spacy_aioner.annotation.engines import LocalEngine, RayEngine
from spacy_aioner.annotation.job import annotate_files
from spacy_aioner.corpora.pubtator import read_pubtator

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "pubtator" / "BioRED_TrainDev.PubTator"
PUBMED_ABSTRACTS = 35_000_000


def make_input(folder: Path, corpus: Path, docs: int, files: int) -> int:
    """Write `docs` unannotated abstracts into `files` PubTator files; return their words."""
    sources = list(itertools.islice(read_pubtator(corpus), docs))
    words = 0
    for i in range(files):
        with open(folder / f"part{i}.PubTator", "w", encoding="utf8") as out:
            for s in sources[i::files]:
                out.write(f"{s.id}|t|{s.passages[0].text}\n{s.id}|a|{s.passages[1].text}\n\n")
                words += sum(len(p.text.split()) for p in s.passages)
    return words


def run(engine, inputs: Path, output: Path, batch_size: int) -> float:
    started = time.perf_counter()
    summary = annotate_files([inputs], output, engine, batch_size=batch_size)
    seconds = time.perf_counter() - started
    engine.close()
    assert summary.rejected == 0 and not summary.files_failed
    return seconds


def main(model: Path = typer.Option(..., help="Trained pipeline"), docs: int = 200, n_process: int = 2, batch_size: int = 16, corpus: Path = CORPUS,
         quantize: Optional[str] = typer.Option(None, help="int8: the encoder's inference option, for every engine"),
         output: Path = ROOT / "bench" / "results" / "annotate.json"):
    options = {"quantize": quantize} if quantize else {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        words = make_input(tmp / "in", corpus, docs, files=2 * n_process)
        runs = {}
        for name, make, cores in (
            (f"1 process, {torch.get_num_threads()} torch threads", lambda: LocalEngine(str(model), None, **options),
             torch.get_num_threads()),
            (f"{n_process} processes, 1 thread each", lambda: LocalEngine(str(model), None, n_process=n_process, **options), n_process),
            (f"ray local, {n_process} actors", lambda: RayEngine(str(model), None, n_actors=n_process, **options), n_process),
        ):
            engine = make()  # model loading is not timed
            seconds = run(engine, tmp / "in", tmp / name.replace(" ", "_").replace(",", ""), batch_size)
            runs[name] = {"seconds": round(seconds, 2), "docs_per_s": docs / seconds, "words_per_s": words / seconds,
                          "cores": cores, "docs_per_s_per_core": docs / seconds / cores}
            typer.echo(f"{name}: {docs / seconds:.2f} docs/s, {words / seconds:.0f} words/s")
    best = max(r["docs_per_s_per_core"] for r in runs.values())
    hours = PUBMED_ABSTRACTS / (best * 100) / 3600
    result = {"machine": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(), "docs": docs,
              "model": str(model), "quantize": quantize, "date": time.strftime("%Y-%m-%d"),
              "words": words, "runs": runs, "best_docs_per_s_per_core": best,
              "projected_hours_35M_abstracts_100_cores": hours}
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2))
    typer.echo(MarkdownRenderer().table([[name, f"{r['docs_per_s']:.2f}", f"{r['words_per_s']:.0f}"] for name, r in runs.items()],
                                        ["engine", "docs/s", "words/s"]))
    typer.echo("(model loading is not timed for the local engines; Ray's actors load it inside the run)")
    typer.echo(f"Projected: {hours:.0f} h for 35M abstracts on 100 cores at {best:.2f} docs/s per core")


if __name__ == "__main__":
    typer.run(main)
