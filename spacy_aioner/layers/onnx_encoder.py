"""ONNX Runtime in place of the torch encoder, for CPU inference (``quantize = "onnx-int8"``).

The task markers are input ids, so the encoder is a plain BERT graph: it is exported with
torch's ONNX exporter, fused by onnxruntime's transformer optimizer (attention, GELU, layer
norm), its weights made int8 per output channel (dynamic quantization), and the session takes
the torch module's place inside spacy-transformers, so windows, markers and the CRF stay the
pipeline's own. Built when the pipeline loads (seconds), never saved. Needs ``onnx`` and
``onnxruntime`` (``pip install "spacy-aioner[onnx]"``).
"""
import logging
import tempfile
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Optional

import torch
from transformers.modeling_outputs import BaseModelOutput

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# int8 for what onnxruntime quantizes by default (MatMuls, the fused attention, the embeddings'
# lookup), or for the MatMuls only (attention and embeddings left in fp32)
WEIGHTS = ("all", "matmul")


def _onnx_tools() -> SimpleNamespace:
    """onnx's and onnxruntime's pieces used here, or one ImportError saying what to install."""
    try:
        import onnxruntime
        from onnx import TensorProto
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers import optimizer
    except ImportError as err:
        raise ImportError(f"quantize = 'onnx-int8' needs onnx and onnxruntime ({err}): "
                          "pip install \"spacy-aioner[onnx]\"") from None
    return SimpleNamespace(onnxruntime=onnxruntime, TensorProto=TensorProto, QuantType=QuantType,
                           quantize_dynamic=quantize_dynamic, optimizer=optimizer)


class OrtEncoder(torch.nn.Module):
    """An onnxruntime session where spacy-transformers expects the HF model: the same inputs,
    ``last_hidden_state`` out, inference only; ``config`` and ``device`` as the torch model's."""

    def __init__(self, path: Path, hf_model, threads: int):
        onnxruntime = _onnx_tools().onnxruntime
        super().__init__()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input_names = {item.name for item in self.session.get_inputs()}
        self.config, self.device = hf_model.config, hf_model.device

    def forward(self, input_ids, attention_mask, token_type_ids=None, **_) -> BaseModelOutput:
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        given = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
        feed = {name: value.cpu().numpy().astype("int64") for name, value in given.items() if name in self.input_names}
        [hidden] = self.session.run(["last_hidden_state"], feed)
        return BaseModelOutput(last_hidden_state=torch.from_numpy(hidden))


def export_encoder(hf_model, folder: Path, int8: Optional[str] = "all") -> Path:
    """`hf_model` as a fused ONNX graph in `folder`, its weights int8 as `int8` says (None: fp32)."""
    tools = _onnx_tools()
    if int8 not in (None, *WEIGHTS):
        raise ValueError(f"int8 must be one of {', '.join(WEIGHTS)} or None, got {int8!r}")
    plain, fused = folder / "encoder.onnx", folder / "encoder.fused.onnx"
    ids = torch.ones((2, 8), dtype=torch.long)
    hf_model.eval()
    with torch.no_grad():
        torch.onnx.export(hf_model, (), str(plain), kwargs=dict(zip(INPUTS, (ids, ids, ids * 0))),
                          input_names=list(INPUTS), output_names=["last_hidden_state"],
                          dynamic_axes={name: {0: "batch", 1: "length"} for name in (*INPUTS, "last_hidden_state")},
                          opset_version=17, dynamo=False)
    config = hf_model.config
    tools.optimizer.optimize_model(str(plain), model_type="bert", num_heads=config.num_attention_heads,
                                   hidden_size=config.hidden_size).save_model_to_file(str(fused))
    if int8 is None:
        return fused
    out = folder / f"encoder.int8-{int8}.onnx"
    tools.quantize_dynamic(str(fused), str(out), per_channel=True, weight_type=tools.QuantType.QInt8,
                           op_types_to_quantize=None if int8 == "all" else ["MatMul"],
                           extra_options={"DefaultTensorType": tools.TensorProto.FLOAT})  # fused ops: no inferred type
    return out


def use_onnx_runtime(transformer_model, int8: Optional[str] = "all", threads: Optional[int] = None) -> None:
    """Put an onnxruntime session of the encoder in place of the torch module of
    `transformer_model` (a spacy-transformers TransformerModel), with `threads` intra-op threads
    (torch's count if None)."""
    shim = transformer_model.layers[0].shims[0]
    hf_model = shim._hfmodel.transformer
    root, level = logging.getLogger(), logging.getLogger().level
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on HF's mask code, deprecation notices
        root.setLevel(logging.ERROR)  # the quantizer's advice, logged to the root logger
        try:
            path = export_encoder(hf_model, Path(folder), int8)
        finally:
            root.setLevel(level)
        encoder = OrtEncoder(path, hf_model, threads or torch.get_num_threads())
    shim._hfmodel.transformer = shim._model = encoder
