"""What linking adds to annotation time: the same linked pipeline on the BioRED dev abstracts,
`nlp.pipe` with ``aioner_linker`` and without it (``select_pipes``), taking turns for `rounds`
rounds; medians, every sample kept. Target: at most +25 % per abstract.

  python bench/linking_time.py training/all/model-linked --rounds 5

Results: bench/results/linking_time.json.
"""
import json
import platform
import statistics
import time
from pathlib import Path

import spacy
import typer

from spacy_aioner.corpora.pubtator import read_pubtator

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "pubtator" / "BioRED_TrainDev.PubTator"


def main(model: Path, rounds: int = 5, docs: int = 100, corpus: Path = CORPUS,
         output: Path = ROOT / "bench" / "results" / "linking_time.json"):
    texts = [" ".join(p.text for p in s.passages) for s in list(read_pubtator(corpus))[-docs:]]
    nlp = spacy.load(model)
    if "aioner_linker" not in nlp.pipe_names:
        raise typer.BadParameter(f"{model}: no aioner_linker in {nlp.pipe_names}")
    list(nlp.pipe(texts[:16]))  # warm-up: loads the KBs and their indexes
    samples = {"with": [], "without": []}
    for _ in range(rounds):
        for arm in ("without", "with"):
            started = time.perf_counter()
            if arm == "with":
                list(nlp.pipe(texts))
            else:
                with nlp.select_pipes(disable=["aioner_linker"]):
                    list(nlp.pipe(texts))
            samples[arm].append(time.perf_counter() - started)
    medians = {arm: statistics.median(values) for arm, values in samples.items()}
    report = {
        "command": f"python bench/linking_time.py {model} --rounds {rounds}", "date": time.strftime("%Y-%m-%d"),
        "machine": platform.platform(), "docs": len(texts), "pipeline": nlp.pipe_names,
        "ms_per_abstract": {arm: 1000 * m / len(texts) for arm, m in medians.items()},
        "added": medians["with"] / medians["without"] - 1, "samples_seconds": samples,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=1))
    typer.echo(f"without linking {report['ms_per_abstract']['without']:.1f} ms/abstract, with "
               f"{report['ms_per_abstract']['with']:.1f}: +{100 * report['added']:.1f} % -> {output}")


if __name__ == "__main__":
    typer.run(main)
