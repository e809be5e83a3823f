"""ONNX Runtime against torch for the aioner encoder, dev F1 and speed side by side (issue 60):

  python bench/onnx_encoder.py training/all/model-best corpus/all/dev.spacy

Needs `onnx` and `onnxruntime` (`pip install -e ".[onnx]"`). The pipeline's own quantize
modes (torch int8 per channel, feed-forward only, and "onnx-int8": the encoder exported, fused
by onnxruntime's transformer optimizer and made int8 per channel, spacy_aioner/layers/
onnx_encoder.py) against torch fp32; for the record, the fused graph in fp32 and with int8
MatMuls only. Each runs inside the loaded pipeline (windows, task markers and CRF its own).
Dev F1 from the DocBin under its task; speed from `nlp.pipe` over the last `docs` BioRED
abstracts, the variants taking turns for `rounds` rounds, each one's
ratio to torch fp32 round by round (bench/results/onnx_encoder.json); `--rounds 0` scores only.
"""
import json
import platform
import statistics
import time
from pathlib import Path

import spacy
import torch
import typer
from spacy.scorer import Scorer
from wasabi import MarkdownRenderer

from spacy_aioner.bootstrap import predict
from spacy_aioner.corpora.pubtator import read_pubtator
from spacy_aioner.layers.onnx_encoder import use_onnx_runtime
from spacy_aioner.training_corpus import create_task_corpus

from fast_profile import CORPUS, interleaved_rounds  # the bench beside this one

ROOT = Path(__file__).resolve().parents[1]
# the pipeline's own quantize modes ("onnx-int8" is ONNX Runtime, int8 for what it quantizes by default)
QUANTIZE = {"torch-fp32": None, "torch-int8-channel": "int8-channel", "torch-int8-ffn": "int8-ffn", "onnx-int8": "onnx-int8"}
ORT_ONLY = {"onnx-fp32": None, "onnx-int8-matmul": "matmul"}  # for the record: the fused graph in fp32, int8 MatMuls only


def dev_scores(nlp, dev: Path) -> dict:
    examples = predict(nlp, list(create_task_corpus(dev)(nlp)))
    scores = Scorer(nlp).score(examples)
    return {"f": scores["ents_f"] * 100,
            "per_type": {label: value["f"] * 100 for label, value in sorted((scores["ents_per_type"] or {}).items())}}


def main(model: Path, dev: Path, docs: int = 100, batch_size: int = 16, rounds: int = 3, threads: int = 2,
         corpus: Path = CORPUS, output: Path = ROOT / "bench" / "results" / "onnx_encoder.json"):
    torch.set_num_threads(threads)
    texts = ["\n".join(p.text for p in s.passages) for s in list(read_pubtator(corpus))[-docs:]]
    pipelines = {}
    for name, mode in QUANTIZE.items():
        pipelines[name] = spacy.load(model, config={"components": {"aioner_transformer": {"quantize": mode}}} if mode else {})
    for name, int8 in ORT_ONLY.items():
        pipelines[name] = spacy.load(model)
        use_onnx_runtime(pipelines[name].get_pipe("aioner_transformer").model, int8, threads)
    scores = {}
    for name, nlp in pipelines.items():
        scores[name] = dev_scores(nlp, dev)
        typer.echo(f"{name}: dev F1 {scores[name]['f']:.2f}")
        list(nlp.pipe(texts[:4]))  # warm-up
    samples = interleaved_rounds(pipelines, texts, rounds, batch_size)
    reference = "torch-fp32"
    results = {}
    for name, runs in samples.items():
        ratios = [r["docs_per_s"] / ref["docs_per_s"] for r, ref in zip(runs, samples[reference])]
        results[name] = {"dev_f": scores[name]["f"], "dev_f_delta": scores[name]["f"] - scores[reference]["f"],
                         "dev_per_type": scores[name]["per_type"],
                         "words_per_s": statistics.median(r["words_per_s"] for r in runs) if runs else None,
                         "docs_per_s": statistics.median(r["docs_per_s"] for r in runs) if runs else None,
                         "ratio_median": statistics.median(ratios) if runs else None, "ratios": ratios, "samples": runs}
    report = {"date": time.strftime("%Y-%m-%d"), "machine": platform.machine(), "model": str(model), "dev": str(dev),
              "threads": threads, "docs": len(texts), "batch_size": batch_size, "rounds": rounds,
              "onnxruntime": __import__("onnxruntime").__version__, "torch": torch.__version__, "results": results}
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2))
    types = sorted(results[reference]["dev_per_type"])
    rows = [[name, f"{r['dev_f']:.2f}", f"{r['dev_f_delta']:+.2f}", *(f"{r['dev_per_type'].get(t, 0):.2f}" for t in types),
             f"{r['words_per_s']:.0f}" if rounds else "-", f"{r['ratio_median']:.2f}x" if rounds else "-"]
            for name, r in results.items()]
    typer.echo(MarkdownRenderer().table(rows, ["encoder", "dev F1", "Δ", *types, "words/s", f"vs {reference}"]))


if __name__ == "__main__":
    typer.run(main)
