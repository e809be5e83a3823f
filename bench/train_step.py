"""Seconds per training step of configs/aioner_minilm.cfg with the encoder's attention dropout
at MiniLM's own 0.1 and at 0.

On CPU, torch's scaled_dot_product_attention with dropout_p > 0 leaves its fused kernel and
samples a dropout mask over every (window, head, wordpiece, wordpiece) cell; this measures what
that costs in a real update. Both pipelines start from the same config, seed and initialization
data and take the same batches from the config's own corpus reader and batcher, taking turns
for `rounds` rounds; the median of each is reported and every sample is kept in the JSON.
Run it on an otherwise idle machine:

    python bench/train_step.py --train corpus/all/train --dev corpus/all/dev.spacy
"""
import itertools
import json
import os
import platform
import statistics
import time
from pathlib import Path

import spacy
import torch
import typer
from spacy.training.initialize import init_nlp
from spacy.util import fix_random_seed, load_config, registry

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "aioner_minilm.cfg"
DROPOUT = "components.aioner_transformer.model.transformer_config.attention_probs_dropout_prob"


def build(config_path: Path, train: Path, dev: Path, attention_dropout: float, init_docs: int):
    """The initialized pipeline, its optimizer and an endless iterator over training batches."""
    overrides = {"paths.train": str(train), "paths.dev": str(dev), "corpora.train.limit": init_docs,
                 DROPOUT: attention_dropout}
    config = load_config(config_path, overrides=overrides, interpolate=False)
    nlp = init_nlp(config)
    encoder = nlp.get_pipe("aioner_transformer").model.transformer
    assert encoder.config.attention_probs_dropout_prob == attention_dropout, encoder.config
    resolved = nlp.config.interpolate()
    training = registry.resolve(resolved["training"])
    corpus = registry.resolve(resolved["corpora"])["train"]
    fix_random_seed(training["seed"])
    batches = itertools.cycle(list(training["batcher"](corpus(nlp))))
    return nlp, training["optimizer"], batches, training["dropout"]


def stepper(nlp, optimizer, batches, dropout, steps: int):
    """A function that runs `steps` updates and returns their mean seconds and words/s."""
    nlp.update(next(batches), sgd=optimizer, drop=dropout)  # warm-up

    def run():
        words, started = 0, time.perf_counter()
        for batch in itertools.islice(batches, steps):
            nlp.update(batch, sgd=optimizer, drop=dropout)
            words += sum(len(eg.predicted) for eg in batch)
        seconds = time.perf_counter() - started
        return {"seconds_per_step": seconds / steps, "words_per_s": words / seconds}

    return run


def main(train: Path = typer.Option(..., help="folder of training DocBins"),
         dev: Path = typer.Option(..., help="dev DocBin (only read by initialization)"),
         config: Path = CONFIG, steps: int = 10, rounds: int = 5, init_docs: int = 200, threads: int = 2,
         output: Path = ROOT / "bench" / "results" / "train_step.json"):
    torch.set_num_threads(threads)
    runners = {}
    for attention_dropout in (0.1, 0.0):
        nlp, optimizer, batches, dropout = build(config, train, dev, attention_dropout, init_docs)
        runners[attention_dropout] = stepper(nlp, optimizer, batches, dropout, steps)
    samples = {p: [] for p in runners}
    for _ in range(rounds):
        for p, run in runners.items():
            samples[p].append(run())
            typer.echo(f"  attention dropout {p}: {samples[p][-1]['seconds_per_step']:.2f} s/step")
    medians = {p: statistics.median(s["seconds_per_step"] for s in values) for p, values in samples.items()}
    results = {"machine": platform.processor() or platform.machine(), "threads": threads,
               "torch": torch.__version__, "spacy": spacy.__version__, "config": os.path.relpath(config, ROOT),
               "train": str(train), "init_docs": init_docs, "steps_per_round": steps, "rounds": rounds,
               "median_seconds_per_step": {str(p): m for p, m in medians.items()},
               "speedup_without_attention_dropout": medians[0.1] / medians[0.0],
               "samples": {str(p): values for p, values in samples.items()}}
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2))
    typer.echo(f"median s/step: attention dropout 0.1 {medians[0.1]:.2f}, 0 {medians[0.0]:.2f} "
               f"(x{results['speedup_without_attention_dropout']:.2f})")


if __name__ == "__main__":
    typer.run(main)
