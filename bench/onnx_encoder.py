"""ONNX Runtime against torch for the aioner encoder, dev F1 and speed side by side (issue 60):

  python bench/onnx_encoder.py training/all/model-best corpus/all/dev.spacy

Needs `onnx` and `onnxruntime` (not requirements of the package: `pip install onnx onnxruntime`;
with numpy < 2, onnx 1.17 and onnxruntime 1.20). The pipeline's encoder (MiniLM, the task
markers are input ids, so the graph is a plain BERT) is exported once to ONNX, optimized by
onnxruntime's transformer optimizer (fused attention, GELU, layer norm) and quantized to int8
(dynamic, per channel): all MatMuls, or the feed-forward ones only (the fused attention left in
fp32). Each variant replaces the torch module inside the loaded pipeline, so windows, task
markers, the CRF and the abbreviation step are the pipeline's own. Against them: torch fp32 and
the pipeline's own int8 options. Dev F1 from the DocBin under its task; speed from `nlp.pipe`
over the last `docs` BioRED abstracts, the variants taking turns for `rounds` rounds, each one's
ratio to torch fp32 round by round (bench/results/onnx_encoder.json); `--rounds 0` scores only.
"""
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Dict

import spacy
import torch
import typer
from spacy.scorer import Scorer
from transformers.modeling_outputs import BaseModelOutput
from wasabi import MarkdownRenderer

from spacy_aioner.bootstrap import predict
from spacy_aioner.corpora.pubtator import read_pubtator
from spacy_aioner.training_corpus import create_task_corpus

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "pubtator" / "BioRED_TrainDev.PubTator"
TORCH_OPTIONS = {"torch-fp32": None, "torch-int8-channel": "int8-channel", "torch-int8-ffn": "int8-ffn"}


class OrtEncoder(torch.nn.Module):
    """An onnxruntime session where spacy-transformers expects the HF BertModel: same inputs,
    ``last_hidden_state`` out; inference only."""

    def __init__(self, path: Path, hf_model, threads: int):
        import onnxruntime

        super().__init__()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.config, self.device = hf_model.config, hf_model.device

    def forward(self, input_ids, attention_mask, token_type_ids=None, **_):
        feed = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
        feed = {k: v.cpu().numpy().astype("int64") for k, v in feed.items() if k in self.inputs and v is not None}
        if "token_type_ids" in self.inputs and "token_type_ids" not in feed:
            feed["token_type_ids"] = feed["input_ids"] * 0
        return BaseModelOutput(last_hidden_state=torch.from_numpy(self.session.run(["last_hidden_state"], feed)[0]))


def export(hf_model, folder: Path) -> Dict[str, Path]:
    """The encoder as ONNX: exported, optimized, and quantized two ways; {variant: file}."""
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    plain, fused = folder / "encoder.onnx", folder / "encoder.opt.onnx"
    ids = torch.ones((2, 16), dtype=torch.long)
    hf_model.eval()
    torch.onnx.export(hf_model, (), str(plain), kwargs={"input_ids": ids, "attention_mask": ids, "token_type_ids": ids * 0},
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
                      dynamic_axes={name: {0: "batch", 1: "length"} for name in
                                    ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")},
                      opset_version=17, dynamo=False)
    config = hf_model.config
    optimizer.optimize_model(str(plain), model_type="bert", num_heads=config.num_attention_heads,
                             hidden_size=config.hidden_size).save_model_to_file(str(fused))
    files = {"ort-fp32": fused, "ort-int8": folder / "encoder.int8.onnx", "ort-int8-ffn": folder / "encoder.int8ffn.onnx"}
    fused_types = {"DefaultTensorType": TensorProto.FLOAT}  # the fused ops' outputs have no inferred type
    quantize_dynamic(str(fused), str(files["ort-int8"]), per_channel=True, weight_type=QuantType.QInt8,
                     extra_options=fused_types)
    quantize_dynamic(str(fused), str(files["ort-int8-ffn"]), per_channel=True, weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul"], extra_options=fused_types)  # fused Attention stays fp32
    return files


def use_onnx(nlp, path: Path, threads: int) -> None:
    """Put the session at `path` in place of the pipeline's torch encoder."""
    shim = nlp.get_pipe("aioner_transformer").model.layers[0].shims[0]
    encoder = OrtEncoder(path, shim._hfmodel.transformer, threads)
    shim._hfmodel.transformer = shim._model = encoder


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
    for name, mode in TORCH_OPTIONS.items():
        pipelines[name] = spacy.load(model, config={"components": {"aioner_transformer": {"quantize": mode}}} if mode else {})
    with tempfile.TemporaryDirectory() as folder:
        files = export(pipelines["torch-fp32"].get_pipe("aioner_transformer").model.transformer, Path(folder))
        sizes = {name: path.stat().st_size for name, path in files.items()}
        for name, path in files.items():
            pipelines[name] = spacy.load(model)
            use_onnx(pipelines[name], path, threads)
    scores = {}
    for name, nlp in pipelines.items():
        scores[name] = dev_scores(nlp, dev)
        typer.echo(f"{name}: dev F1 {scores[name]['f']:.2f}")
        list(nlp.pipe(texts[:4]))  # warm-up
    samples = {name: [] for name in pipelines}
    for round_ in range(rounds):
        for name, nlp in pipelines.items():
            started = time.perf_counter()
            words = sum(len(doc) for doc in nlp.pipe(texts, batch_size=batch_size))
            seconds = time.perf_counter() - started
            samples[name].append({"words_per_s": words / seconds, "docs_per_s": len(texts) / seconds})
            typer.echo(f"round {round_ + 1} {name}: {words / seconds:.0f} words/s")
    reference = "torch-fp32"
    results = {}
    for name, runs in samples.items():
        ratios = [r["docs_per_s"] / ref["docs_per_s"] for r, ref in zip(runs, samples[reference])]
        results[name] = {"dev_f": scores[name]["f"], "dev_f_delta": scores[name]["f"] - scores[reference]["f"],
                         "dev_per_type": scores[name]["per_type"], "onnx_bytes": sizes.get(name),
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
