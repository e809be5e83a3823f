"""Inference speed of trained pipelines and their inference options, interleaved (issue 60):

  python bench/fast_profile.py teacher=training/all/model-final \
      teacher+win256=training/all/model-final+win256 teacher+doc=training/all/model-final+doc \
      teacher+int8=training/all/model-final+int8 student=training/distill/model-final ...

Each NAME=PATH[+OPTION...] loads the pipeline at PATH with the options (OPTIONS below). They run
over the same BioRED dev abstracts (the last `docs` of BioRED_TrainDev, the dev split) with
`nlp.pipe`, taking turns for `rounds` rounds; the median words/s and abstracts/s of each and its
ratio to the first, round by round, go to bench/results/fast_profile.json with every sample, and
the PubMed projection of each (35 M abstracts on 300 cores, at its abstracts/s per core).
"""
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Dict, List

import spacy
import torch
import typer
from spacy.language import Language
from wasabi import MarkdownRenderer

from spacy_aioner.corpora.pubtator import read_pubtator

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "pubtator" / "BioRED_TrainDev.PubTator"
PUBMED_ABSTRACTS, CLUSTER_CORES = 35_000_000, 300


def _spans(getter: str, **settings) -> dict:
    return {"components": {"aioner_transformer": {"model": {"get_spans": {"@span_getters": getter, **settings}}}}}


OPTIONS = {
    "win256": _spans("spacy-transformers.strided_spans.v1", window=256, stride=224),
    "doc": _spans("spacy-transformers.doc_spans.v1"),  # one window per document, split only when too long
    "int8": {"components": {"aioner_transformer": {"quantize": "int8"}}},
    "int8-channel": {"components": {"aioner_transformer": {"quantize": "int8-channel"}}},
    "int8-ffn": {"components": {"aioner_transformer": {"quantize": "int8-ffn"}}},
    "onnx-int8": {"components": {"aioner_transformer": {"quantize": "onnx-int8"}}},  # the onnx extra
}


def merge(configs: List[dict]) -> dict:
    out: dict = {}
    for config in configs:
        stack = [(out, config)]
        while stack:
            target, source = stack.pop()
            for key, value in source.items():
                if isinstance(value, dict) and "@span_getters" not in value:
                    stack.append((target.setdefault(key, {}), value))
                else:
                    target[key] = value
    return out


def load(spec: str):
    path, *options = spec.split("+")
    unknown = [o for o in options if o not in OPTIONS]
    if unknown:
        raise typer.BadParameter(f"unknown options {unknown}; known: {', '.join(OPTIONS)}")
    return spacy.load(path, config=merge([OPTIONS[o] for o in options]))


def interleaved_rounds(pipelines: Dict[str, Language], texts: List[str], rounds: int, batch_size: int) -> Dict[str, List[dict]]:
    """Every pipeline over `texts` with `nlp.pipe`, taking turns for `rounds` rounds: per pipeline,
    one {"words_per_s", "docs_per_s"} sample a round."""
    samples = {name: [] for name in pipelines}
    for round_ in range(rounds):
        for name, nlp in pipelines.items():
            started = time.perf_counter()
            words = sum(len(doc) for doc in nlp.pipe(texts, batch_size=batch_size))
            seconds = time.perf_counter() - started
            samples[name].append({"words_per_s": words / seconds, "docs_per_s": len(texts) / seconds})
            typer.echo(f"round {round_ + 1} {name}: {words / seconds:.0f} words/s")
    return samples


def main(specs: List[str] = typer.Argument(..., help="NAME=PATH[+OPTION...], the first is the reference"),
         docs: int = 100, batch_size: int = 16, rounds: int = 3, threads: int = 2, corpus: Path = CORPUS,
         output: Path = ROOT / "bench" / "results" / "fast_profile.json"):
    torch.set_num_threads(threads)
    texts = ["\n".join(p.text for p in s.passages) for s in list(read_pubtator(corpus))[-docs:]]
    pipelines = {}
    for spec in specs:
        name, _, target = spec.partition("=")
        pipelines[name] = load(target)
        list(pipelines[name].pipe(texts[:4]))  # warm-up
    samples = interleaved_rounds(pipelines, texts, rounds, batch_size)
    reference = specs[0].partition("=")[0]
    results = {}
    for name, runs in samples.items():
        ratios = [r["docs_per_s"] / ref["docs_per_s"] for r, ref in zip(runs, samples[reference])]
        per_core = statistics.median(r["docs_per_s"] for r in runs) / threads
        results[name] = {
            "spec": dict(s.partition("=")[::2] for s in specs)[name],
            "words_per_s": statistics.median(r["words_per_s"] for r in runs),
            "docs_per_s": statistics.median(r["docs_per_s"] for r in runs),
            "ratio_median": statistics.median(ratios), "ratios": ratios, "samples": runs,
            "docs_per_s_per_core": per_core,
            "pubmed_hours_300_cores": PUBMED_ABSTRACTS / (per_core * CLUSTER_CORES) / 3600,
        }
    report = {"date": time.strftime("%Y-%m-%d"), "machine": platform.machine(), "threads": threads,
              "docs": len(texts), "batch_size": batch_size, "rounds": rounds, "results": results}
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2))
    rows = [[name, f"{r['words_per_s']:.0f}", f"{r['docs_per_s']:.2f}", f"{r['ratio_median']:.2f}x",
             f"{r['docs_per_s_per_core']:.2f}", f"{r['pubmed_hours_300_cores']:.1f}"] for name, r in results.items()]
    typer.echo(MarkdownRenderer().table(rows, ["pipeline", "words/s", "abstracts/s", f"vs {reference}",
                                               "abstracts/s per core", "PubMed h, 300 cores"]))


if __name__ == "__main__":
    typer.run(main)
