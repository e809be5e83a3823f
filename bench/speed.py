"""Inference and training speed of the aioner pipeline against its peers, same texts, same
offline MiniLM encoder, same windows:

  (a) bare transformer forward (stock spacy-transformers `transformer`)
  (a') the aioner task transformer alone (markers added)
  (b) aioner_transformer + aioner, CRF decoder
  (c) aioner_transformer + aioner, softmax decoder
  (d) transformer + spaCy's stock `ner`

Training words/s for (b) and (d). The pipelines take turns for `rounds` rounds and the
median of each is reported (every sample is kept in the JSON). Writes JSON (default bench/results/speed.json) and prints
a table. Run it on an otherwise idle machine: python bench/speed.py
"""
import functools
import itertools
import json
import platform
import statistics
import time
from pathlib import Path

import spacy
import torch
import typer
from spacy.training import Example
from wasabi import MarkdownRenderer

from spacy_aioner.corpora.docs import build_docs
from spacy_aioner.corpora.manifest import load_manifest
from spacy_aioner.corpora.pubtator import read_pubtator
from spacy_aioner.tokenizer import make_biomedical_tokenizer

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "pubtator" / "BioRED_TrainDev.PubTator"
SPANS = {"@span_getters": "spacy-transformers.strided_spans.v1", "window": 128, "stride": 96}
ENCODER = {"@misc": "spacy-aioner.offline_minilm.v1"}


def build(kind: str):
    nlp = spacy.blank("en")
    nlp.tokenizer = make_biomedical_tokenizer(nlp)
    if kind in ("bare", "ner"):
        nlp.add_pipe("transformer", config={"model": {"@architectures": "spacy-transformers.TransformerModel.v3",
                                                      "name": ENCODER, "get_spans": SPANS,
                                                      "tokenizer_config": {"use_fast": True}}})
    else:
        nlp.add_pipe("aioner_transformer", config={"model": {"get_spans": SPANS}})
    if kind == "ner":
        nlp.add_pipe("ner", config={"model": {"@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner",
                                              "extra_state_tokens": False, "hidden_width": 64, "maxout_pieces": 2,
                                              "use_upper": False, "nO": None,
                                              "tok2vec": {"@architectures": "spacy-transformers.TransformerListener.v1",
                                                          "grad_factor": 1.0, "pooling": {"@layers": "reduce_mean.v1"}}}})
    if kind in ("crf", "softmax"):
        nlp.add_pipe("aioner", config={"model": {"decoder": kind}})
    return nlp


def examples_for(nlp, sources):
    entry = next(e for e in load_manifest() if e.file == CORPUS.name)
    return [Example(nlp.make_doc(doc.text), doc) for doc in build_docs(nlp, sources, "ALL", entry.type_map)]


def inference(nlp, texts, batch_size):
    started = time.perf_counter()
    words = sum(len(doc) for doc in nlp.pipe(texts, batch_size=batch_size))
    return words / (time.perf_counter() - started)


def trainer(nlp, examples, batch_docs):
    """A function that runs `steps` updates and returns the words/s they took."""
    optimizer = nlp.initialize(lambda: examples)
    batches = itertools.cycle([examples[i : i + batch_docs] for i in range(0, len(examples), batch_docs)])
    nlp.update(next(batches), sgd=optimizer)  # warm-up

    def run(steps):
        words, started = 0, time.perf_counter()
        for batch in itertools.islice(batches, steps):
            nlp.update(batch, sgd=optimizer)
            words += sum(len(eg.predicted) for eg in batch)
        return words / (time.perf_counter() - started)

    return run


def interleaved(runners, rounds):
    """Median words/s of each runner over `rounds`, the runners taking turns in every round,
    so that a slow phase of the machine hits them all alike. Returns (medians, samples)."""
    samples = {kind: [] for kind in runners}
    for _ in range(rounds):
        for kind, run in runners.items():
            samples[kind].append(run())
            typer.echo(f"  {kind}: {samples[kind][-1]:.0f} words/s")
    return {kind: statistics.median(values) for kind, values in samples.items()}, samples


def main(docs: int = 100, batch_size: int = 16, train_steps: int = 20, threads: int = 2, rounds: int = 3,
         output: Path = ROOT / "bench" / "results" / "speed.json", corpus: Path = CORPUS):
    torch.set_num_threads(threads)
    sources = list(read_pubtator(corpus))
    infer_sources, train_sources = sources[-docs:], sources[: max(8 * 8, docs)]
    texts = ["\n".join(p.text for p in s.passages) for s in infer_sources]
    results = {"machine": platform.processor() or platform.machine(), "threads": threads, "docs": docs,
               "batch_size": batch_size, "rounds": rounds, "corpus": corpus.name}
    runners = {}
    for kind in ("bare", "aioner_transformer", "crf", "softmax", "ner"):
        nlp = build(kind)
        nlp.initialize(lambda: examples_for(nlp, train_sources[:20]))
        list(nlp.pipe(texts[:4], batch_size=batch_size))  # warm-up
        runners[kind] = functools.partial(inference, nlp, texts, batch_size)
    typer.echo("inference")
    results["inference_words_per_s"], results["inference_samples"] = interleaved(runners, rounds)
    runners = {}
    for kind in ("crf", "ner"):
        nlp = build(kind)
        runners[kind] = functools.partial(trainer(nlp, examples_for(nlp, train_sources), 8), train_steps)
    typer.echo("training")
    results["training_words_per_s"], results["training_samples"] = interleaved(runners, rounds)
    bare = results["inference_words_per_s"]["bare"]
    results["crf_inference_overhead_vs_bare"] = bare / results["inference_words_per_s"]["crf"] - 1
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2))
    typer.echo(table(results))


def table(results) -> str:
    bare = results["inference_words_per_s"]["bare"]
    names = {"bare": "(a) bare transformer", "aioner_transformer": "(a') task transformer (markers)",
             "crf": "(b) aioner CRF", "softmax": "(c) aioner softmax", "ner": "(d) stock ner"}
    rows = []
    for kind, name in names.items():
        wps = results["inference_words_per_s"][kind]
        train = results["training_words_per_s"].get(kind)
        rows.append([name, f"{wps:.0f}", f"{100 * (bare / wps - 1):+.1f}%", f"{train:.0f}" if train else "-"])
    return MarkdownRenderer().table(rows, ["pipeline", "inference words/s", "time vs (a)", "training words/s"])


if __name__ == "__main__":
    typer.run(main)
