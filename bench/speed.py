"""Inference and training speed of the aioner pipeline against its peers, same texts, same
offline MiniLM encoder, same windows:

  (a) bare transformer forward (stock spacy-transformers `transformer`)
  (a') the aioner task transformer alone (markers added)
  (b) aioner_transformer + aioner, CRF decoder
  (c) aioner_transformer + aioner, softmax decoder
  (d) transformer + spaCy's stock `ner`

and the inference options of (b), loaded from one saved pipeline so that only the option differs:
  int8      [components.aioner_transformer] quantize = "int8"
  passages  spacy-aioner.passage_spans.v1 windows (128 tokens, cut at passage/line/sentence ends)
  sorted    model.sorted_batch = 16 (windows encoded in length-sorted groups)
  fast      all three

on the dev abstracts and on long documents (the longest full texts of a corpus). Training
words/s for (b) and (d). The pipelines take turns for `rounds` rounds and the median of each
is reported (every sample is kept in the JSON), with the resident memory each pipeline added when
it was built. Writes JSON (default bench/results/speed.json) and prints a table. Run it on an
otherwise idle machine: python bench/speed.py
"""
import functools
import itertools
import json
import platform
import resource
import statistics
import tempfile
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
LONG_CORPUS = ROOT.parent / "shared" / "corpora" / "pubtator" / "Linnaeus_Train.PubTator"
PASSAGES = {"@span_getters": "spacy-aioner.passage_spans.v1", "window": 128, "stride": 96}
OPTIONS = {
    "int8": {"components": {"aioner_transformer": {"quantize": "int8"}}},
    "passages": {"components": {"aioner_transformer": {"model": {"get_spans": PASSAGES}}}},
    "sorted": {"components": {"aioner_transformer": {"model": {"sorted_batch": 16}}}},
    "fast": {"components": {"aioner_transformer": {"quantize": "int8", "model": {"get_spans": PASSAGES, "sorted_batch": 16}}}},
}
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


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def long_texts(corpus: Path, n: int):
    """The `n` longest documents of `corpus`, passages joined by newlines."""
    texts = ["\n".join(p.text for p in s.passages) for s in read_pubtator(corpus)]
    return sorted(texts, key=len, reverse=True)[:n]


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
         long_docs: int = 20, output: Path = ROOT / "bench" / "results" / "speed.json", corpus: Path = CORPUS,
         long_corpus: Path = LONG_CORPUS):
    torch.set_num_threads(threads)
    sources = list(read_pubtator(corpus))
    infer_sources, train_sources = sources[-docs:], sources[: max(8 * 8, docs)]
    texts = ["\n".join(p.text for p in s.passages) for s in infer_sources]
    long = long_texts(long_corpus, long_docs)
    results = {"machine": platform.processor() or platform.machine(), "threads": threads, "docs": docs,
               "batch_size": batch_size, "rounds": rounds, "corpus": corpus.name, "long_corpus": long_corpus.name,
               "long_docs": long_docs, "rss_added_mb": {}}
    pipelines = {}
    for kind in ("bare", "aioner_transformer", "crf", "softmax", "ner"):
        before = rss_mb()
        nlp = build(kind)
        nlp.initialize(lambda: examples_for(nlp, train_sources[:20]))
        list(nlp.pipe(texts[:4], batch_size=batch_size))  # warm-up
        pipelines[kind] = nlp
        results["rss_added_mb"][kind] = round(rss_mb() - before, 1)
    with tempfile.TemporaryDirectory() as saved:
        pipelines["crf"].to_disk(saved)
        for option, overrides in OPTIONS.items():
            before = rss_mb()
            nlp = spacy.load(saved, config=overrides)
            list(nlp.pipe(texts[:4], batch_size=batch_size))
            pipelines[f"crf_{option}"] = nlp
            results["rss_added_mb"][f"crf_{option}"] = round(rss_mb() - before, 1)
    typer.echo("inference, abstracts")
    runners = {kind: functools.partial(inference, nlp, texts, batch_size) for kind, nlp in pipelines.items()}
    results["inference_words_per_s"], results["inference_samples"] = interleaved(runners, rounds)
    results["abstract_words"] = sum(len(doc) for doc in pipelines["bare"].pipe(texts))
    typer.echo("inference, long documents")
    runners = {kind: functools.partial(inference, pipelines[kind], long, 4)
               for kind in ("crf", "crf_int8", "crf_passages", "crf_sorted", "crf_fast", "ner")}
    results["long_words_per_s"], results["long_samples"] = interleaved(runners, rounds)
    results["long_words"] = sum(len(doc) for doc in pipelines["bare"].pipe(long))
    del pipelines
    runners = {}
    for kind in ("crf", "ner"):
        nlp = build(kind)
        runners[kind] = functools.partial(trainer(nlp, examples_for(nlp, train_sources), 8), train_steps)
    typer.echo("training")
    results["training_words_per_s"], results["training_samples"] = interleaved(runners, rounds)
    bare = results["inference_words_per_s"]["bare"]
    results["crf_inference_overhead_vs_bare"] = bare / results["inference_words_per_s"]["crf"] - 1
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2))
    typer.echo(table(results))


def table(results) -> str:
    crf = results["inference_words_per_s"]["crf"]
    names = {"bare": "(a) bare transformer", "aioner_transformer": "(a') task transformer (markers)",
             "crf": "(b) aioner CRF", "softmax": "(c) aioner softmax", "ner": "(d) stock ner",
             "crf_int8": "(b) int8", "crf_passages": "(b) passage windows", "crf_sorted": "(b) length-sorted",
             "crf_fast": "(b) int8 + passages + sorted"}
    per_doc = results["abstract_words"] / results["docs"]
    rows = []
    for kind, name in names.items():
        wps = results["inference_words_per_s"][kind]
        long = results["long_words_per_s"].get(kind)
        train = results["training_words_per_s"].get(kind)
        rows.append([name, f"{wps:.0f}", f"{1000 * per_doc / wps:.0f}", f"{wps / crf:.2f}x",
                     f"{long:.0f}" if long else "-", f"{train:.0f}" if train else "-",
                     f"{results['rss_added_mb'][kind]:.0f}"])
    header = ["pipeline", "abstracts words/s", "ms/abstract", "vs (b)", "long docs words/s", "training words/s",
              "RSS added MB"]
    return MarkdownRenderer().table(rows, header)


if __name__ == "__main__":
    typer.run(main)
