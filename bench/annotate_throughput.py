"""Throughput of `spacy_aioner annotate`: documents/s and words/s for one process, N worker
processes and Ray (local, N actors kept for the whole run), on the same PubTator input (spread
over 2N files), the engines taking turns for `rounds` rounds (medians; every sample kept), and
the wall time projected from the best per-core rate for 35 million PubMed abstracts on 300 cores.

  python bench/annotate_throughput.py --model training/all/model-final --docs 200 [--quantize int8]
"""
import statistics
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
PUBMED_ABSTRACTS, CLUSTER_CORES = 35_000_000, 300


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


def main(model: Path = typer.Option(..., help="Trained pipeline"), docs: int = 200, n_process: int = 2, batch_size: int = 16,
         corpus: Path = CORPUS, rounds: int = 2,
         quantize: Optional[str] = typer.Option(None, help="int8: the encoder's inference option, for every engine"),
         output: Path = ROOT / "bench" / "results" / "annotate.json"):
    options = {"quantize": quantize} if quantize else {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        words = make_input(tmp / "in", corpus, docs, files=2 * n_process)
        engines = (
            (f"1 process, {torch.get_num_threads()} torch threads", lambda: LocalEngine(str(model), **options),
             torch.get_num_threads()),
            (f"{n_process} processes, 1 thread each", lambda: LocalEngine(str(model), n_process=n_process, **options), n_process),
            (f"ray local, {n_process} actors", lambda: RayEngine(str(model), n_actors=n_process, **options), n_process),
        )
        samples = {name: [] for name, _, _ in engines}
        for round_ in range(rounds):
            for name, make, cores in engines:
                engine = make()  # model loading is not timed for the local engines
                out = tmp / f"{name.replace(' ', '_').replace(',', '')}_{round_}"
                samples[name].append(run(engine, tmp / "in", out, batch_size))
                typer.echo(f"round {round_ + 1} {name}: {docs / samples[name][-1]:.2f} docs/s")
        runs = {}
        for name, _, cores in engines:
            seconds = statistics.median(samples[name])
            runs[name] = {"seconds": round(seconds, 2), "samples": samples[name], "docs_per_s": docs / seconds,
                          "words_per_s": words / seconds, "cores": cores, "docs_per_s_per_core": docs / seconds / cores}
    best = max(r["docs_per_s_per_core"] for r in runs.values())
    hours = PUBMED_ABSTRACTS / (best * CLUSTER_CORES) / 3600
    result = {"machine": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(), "docs": docs,
              "model": str(model), "quantize": quantize, "date": time.strftime("%Y-%m-%d"),
              "words": words, "runs": runs, "best_docs_per_s_per_core": best,
              "projected_hours_35M_abstracts_300_cores": hours}
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2))
    typer.echo(MarkdownRenderer().table([[name, f"{r['docs_per_s']:.2f}", f"{r['words_per_s']:.0f}"] for name, r in runs.items()],
                                        ["engine", "docs/s", "words/s"]))
    typer.echo("(model loading is not timed for the local engines; Ray's actors load it inside the run)")
    typer.echo(f"Projected: {hours:.1f} h for 35M abstracts on {CLUSTER_CORES} cores at {best:.2f} docs/s per core")


if __name__ == "__main__":
    typer.run(main)
