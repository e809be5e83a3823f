"""Cost of the CRF decode alone (Viterbi + forward-backward marginals), per word, on batches
shaped like the speed bench's: 16 sequences of BioRED abstract lengths, 19 AIO labels, task
ALL, random emissions (the cost does not depend on their values). Compare the result with the
transformer's time per word in bench/results/speed.json. Run: python bench/crf_decode.py
"""
import json
import platform
import timeit
from pathlib import Path

import numpy
import typer

from spacy_aioner.layers.crf import ConstrainedCRF
from spacy_aioner.scheme import AIO, LABELS

ROOT = Path(__file__).resolve().parents[1]


def main(batch_size: int = 16, min_tokens: int = 250, max_tokens: int = 450, repeat: int = 7,
         output: Path = ROOT / "bench" / "results" / "crf_decode.json"):
    rng = numpy.random.default_rng(0)
    emissions = [rng.normal(size=(n, len(LABELS))).astype("float32")
                 for n in rng.integers(min_tokens, max_tokens, batch_size)]
    masks = [AIO.allowed_mask("ALL")] * batch_size
    crf = ConstrainedCRF(LABELS)
    words = sum(len(e) for e in emissions)
    seconds = min(timeit.repeat(lambda: crf.tag(emissions, masks), number=3, repeat=repeat)) / 3
    results = {"machine": platform.processor() or platform.machine(), "batch_size": batch_size,
               "words_per_batch": words, "seconds_per_batch": seconds, "microseconds_per_word": 1e6 * seconds / words}
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2))
    typer.echo(f"CRF decode: {1e3 * seconds:.1f} ms per batch of {batch_size} ({words} words), "
               f"{results['microseconds_per_word']:.2f} us per word")


if __name__ == "__main__":
    typer.run(main)
