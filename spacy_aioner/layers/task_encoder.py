"""The task-conditioned transformer: spacy-transformers' TransformerModel with every span it
encodes wrapped as ``[CLS] <Task> ... </Task> [SEP]``.

The marker ids are inserted after tokenization with offset (0, 0), so they align to no
spaCy token and shift no offset. Spans too long for the encoder are split (never truncated)
so that every token gets a vector. The task of a document travels with it (the first of
``extensions.doc_tasks``); a document that names none gets the task of the listening ``aioner``
pipe, which a :class:`TaskContext` in the model's attrs (never serialized) holds.
"""
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

import numpy
import torch
from spacy.tokens import Doc, Span
from spacy.util import registry
from spacy_transformers.align import get_alignment_via_offset_mapping
from spacy_transformers.data_classes import FullTransformerBatch, WordpieceBatch
from spacy_transformers.layers.transformer_model import (
    TransformerModel,
    huggingface_tokenize,
    init as stock_init,
)
from transformers.tokenization_utils_fast import PreTrainedTokenizerFast

from ..encoders import check_encoder_folder
from ..extensions import doc_tasks, install_extensions
from .eval_mode import keep_eval_mode_in_predict
from ..scheme import AIO, ALL, MARKERS, close_marker, open_marker

CONTEXT_ATTR = "aioner_task_context"
# "int8": every Linear, one scale per weight tensor; "int8-channel": one scale per output row;
# "int8-ffn": per row, the feed-forward layers only (two thirds of the Linear work), attention fp32;
# "onnx-int8": ONNX Runtime's fused graph, int8 per row (layers/onnx_encoder.py; the onnx extra)
QUANTIZE_MODES = ("int8", "int8-channel", "int8-ffn", "onnx-int8")


@dataclass
class TaskContext:
    """The task of documents that name none (see ``extensions.doc_tasks``): the one of the
    listening ``aioner`` pipe, set once when the pipeline is built, never per call."""

    default: str = ALL

    def task_of(self, doc: Doc) -> str:
        return AIO.check_task(doc_tasks(doc, [self.default])[0])


class TaskTransformerModel(TransformerModel):
    """A TransformerModel whose input carries the AIO task markers."""

    def __init__(self, name: str, get_spans: Callable, tokenizer_config: dict = {},
                 transformer_config: dict = {}, mixed_precision: bool = False,
                 grad_scaler_config: dict = {}, sorted_batch: int = 0, marker_init: str = "random"):
        if marker_init not in MARKER_INITS:
            raise ValueError(f"marker_init must be one of {', '.join(MARKER_INITS)}, got {marker_init!r}")
        super().__init__(name, get_spans, tokenizer_config, transformer_config,
                         mixed_precision, grad_scaler_config)
        self.attrs["marker_init"] = marker_init
        self._func = forward
        self.init = init
        self.attrs[CONTEXT_ATTR] = TaskContext()
        self.attrs["sorted_batch"] = sorted_batch
        self.quantized: Optional[str] = None
        self.attrs["replace_listener_cfg"] = _refuse_replace_listeners
        keep_eval_mode_in_predict(self)  # no dropout in another thread's forward pass
        install_extensions()

    @property
    def task_context(self) -> TaskContext:
        return self.attrs[CONTEXT_ATTR]

    def copy(self):
        """Refused: a copy made by spacy-transformers would rebuild a stock model."""
        raise NotImplementedError(_NO_COPY)


_NO_COPY = (
    "The aioner task transformer cannot be copied (Language.replace_listeners, "
    "Model.copy): the stock copy drops the task marker tokens. Keep the transformer as a "
    "shared component with a TransformerListener in the aioner pipe."
)


def _refuse_replace_listeners(tok2vec_cfg, listener_cfg):
    raise NotImplementedError(_NO_COPY)


@registry.architectures("spacy-aioner.TaskTransformerModel.v1")
def build_task_transformer_model(
    name: str,
    get_spans: Callable,
    tokenizer_config: dict = {},
    transformer_config: dict = {},
    mixed_precision: bool = False,
    grad_scaler_config: dict = {},
    sorted_batch: int = 0,
    marker_init: str = "random",
) -> TaskTransformerModel:
    """A transformer (as spacy-transformers.TransformerModel.v3) conditioned on the AIO task.

    sorted_batch (int): at inference, encode the batch's spans sorted by length in groups of
        this many, each padded only to its own longest span (0: one padded batch).
    marker_init (str): how the new marker tokens' embeddings start: "random" (drawn around
        the vocabulary's), or "description": the mean embedding of the wordpieces of the task
        described in words (TASK_DESCRIPTIONS), so the encoder starts knowing what each means.
    """
    return TaskTransformerModel(name, get_spans, tokenizer_config, transformer_config,
                                mixed_precision, grad_scaler_config, sorted_batch, marker_init)


def quantize_encoder(model: TaskTransformerModel, mode: str) -> None:
    """Replace the encoder's ``nn.Linear`` layers (all, or the feed-forward ones: see
    QUANTIZE_MODES) by dynamically quantized ones (int8 weights, activations quantized on the
    fly) for CPU inference, or the whole encoder by an int8 ONNX Runtime session. The model
    cannot train or be saved afterwards (the component refuses both)."""
    if mode not in QUANTIZE_MODES:
        raise ValueError(f"quantize must be one of {', '.join(QUANTIZE_MODES)} or null, got {mode!r}")
    if model.quantized:
        return
    if mode == "onnx-int8":
        from .onnx_encoder import use_onnx_runtime

        use_onnx_runtime(model, "all")
        model.quantized = mode
        return
    quantization = torch.ao.quantization
    qconfig = quantization.default_dynamic_qconfig if mode == "int8" else quantization.per_channel_dynamic_qconfig
    if mode == "int8-ffn":
        spec = {name: qconfig for name, module in model.transformer.named_modules()
                if isinstance(module, torch.nn.Linear) and _is_feed_forward(name)}
    else:
        spec = {torch.nn.Linear: qconfig}
    quantization.quantize_dynamic(model.transformer, spec, dtype=torch.qint8, inplace=True)
    model.quantized = mode


def _is_feed_forward(name: str) -> bool:
    """A BERT layer's feed-forward Linear: ``encoder.layer.N.intermediate.dense`` or
    ``encoder.layer.N.output.dense`` (not ``attention.output.dense``)."""
    return name.endswith("intermediate.dense") or (name.endswith("output.dense") and "attention" not in name)


def init(model: TaskTransformerModel, X=None, Y=None) -> None:
    """Load the transformer, then register the 14 markers and grow the embeddings."""
    if model.attrs["has_transformer"]:
        return
    check_encoder_folder(model.attrs["name"])
    stock_init(model, X=None, Y=Y)
    tokenizer = model.tokenizer
    if not isinstance(tokenizer, PreTrainedTokenizerFast):
        raise ValueError(f"{model.attrs['name']}: aioner needs a fast tokenizer (offset mappings)")
    tokenizer.add_special_tokens(
        {"additional_special_tokens": list(MARKERS)}, replace_additional_special_tokens=False
    )
    model.transformer.resize_token_embeddings(len(tokenizer))
    if model.attrs.get("marker_init") == "description":
        init_markers_from_descriptions(model)


MARKER_INITS = ("random", "description")
TASK_DESCRIPTIONS = {
    "Gene": "gene or protein names",
    "Chemical": "chemical or drug names",
    "Disease": "disease or syndrome names",
    "Species": "species or organism names",
    "Variant": "genetic variant or mutation names",
    "CellLine": "cell line names",
    "ALL": "names of genes, proteins, chemicals, diseases, species, variants and cell lines",
}


def init_markers_from_descriptions(model: TaskTransformerModel) -> None:
    """Set both markers of each task to the mean input embedding of its description's wordpieces."""
    tokenizer, embeddings = model.tokenizer, model.transformer.get_input_embeddings().weight
    ids = marker_ids(tokenizer)
    with torch.no_grad():
        for task, description in TASK_DESCRIPTIONS.items():
            pieces = tokenizer(description, add_special_tokens=False)["input_ids"]
            mean = embeddings[pieces].mean(dim=0)
            for marker in (open_marker(task), close_marker(task)):
                embeddings[ids[marker]] = mean


def marker_ids(tokenizer) -> Dict[str, int]:
    """Marker token -> id in `tokenizer`; raises if the markers were never added."""
    ids = dict(zip(MARKERS, tokenizer.convert_tokens_to_ids(list(MARKERS))))
    if tokenizer.unk_token_id in ids.values():
        raise ValueError("The tokenizer has no AIONER marker tokens: was the model initialized?")
    return ids


def encode_spans(tokenizer, spans: List[Span], tasks: List[str]) -> dict:
    """Tokenize `spans` and wrap each as [CLS] <task> ... </task> [SEP] (markers at (0, 0))."""
    enc = huggingface_tokenize(tokenizer, [span.text for span in spans])
    ids = marker_ids(tokenizer)
    input_ids, mask = enc["input_ids"], enc["attention_mask"]
    batch, width = input_ids.shape
    new_ids = numpy.full((batch, width + 2), tokenizer.pad_token_id, dtype=input_ids.dtype)
    new_mask = numpy.zeros((batch, width + 2), dtype=mask.dtype)
    new_offsets = numpy.zeros((batch, width + 2, 2), dtype=enc["offset_mapping"].dtype)
    texts = []
    for i, task in enumerate(tasks):
        n = int(mask[i].sum())
        row = [input_ids[i, 0], ids[open_marker(task)], *input_ids[i, 1 : n - 1], ids[close_marker(task)], input_ids[i, n - 1]]
        new_ids[i, : n + 2] = row
        new_mask[i, : n + 2] = 1
        new_offsets[i, 2 : n] = enc["offset_mapping"][i, 1 : n - 1]
        strings = enc["input_texts"][i]
        texts.append([strings[0], open_marker(task), *strings[1 : n - 1], close_marker(task), strings[n - 1]]
                     + [tokenizer.pad_token] * (width - n))
    enc["input_ids"], enc["attention_mask"], enc["offset_mapping"], enc["input_texts"] = new_ids, new_mask, new_offsets, texts
    if enc.get("token_type_ids") is not None:
        enc["token_type_ids"] = numpy.zeros_like(new_ids)
    return enc


def split_long_spans(nested_spans: List[List[Span]], flat_lengths, limit: int) -> List[List[Span]]:
    """Halve every span whose wordpiece count (with CLS, SEP and markers) exceeds `limit`."""
    lengths = iter(flat_lengths)
    out = []
    for doc_spans in nested_spans:
        fitted = []
        for span in doc_spans:
            n_pieces = int(next(lengths))
            if n_pieces <= limit:
                fitted.append(span)
            elif len(span) > 1:
                fitted.extend([span[: len(span) // 2], span[len(span) // 2 :]])
            else:
                raise ValueError(f"Token {span.text[:40]!r} alone needs {n_pieces} wordpieces (limit {limit})")
        out.append(fitted)
    return out


def forward(model: TaskTransformerModel, docs: List[Doc], is_train: bool):
    tokenizer = model.tokenizer
    context = model.task_context
    limit = min(tokenizer.model_max_length, model.transformer.config.max_position_embeddings)
    nested_spans = model.attrs["get_spans"](docs)
    while True:  # never truncate: split what is too long and encode again
        flat_spans, tasks = [], []
        for doc, doc_spans in zip(docs, nested_spans):
            flat_spans.extend(doc_spans)
            tasks.extend([context.task_of(doc)] * len(doc_spans))
        encoding = encode_spans(tokenizer, flat_spans, tasks)
        lengths = encoding["attention_mask"].sum(axis=1)
        if not flat_spans or lengths.max() <= limit:
            break
        nested_spans = split_long_spans(nested_spans, lengths, limit)
    wordpieces = WordpieceBatch.from_batch_encoding(encoding)
    align = get_alignment_via_offset_mapping(flat_spans, encoding["offset_mapping"])
    group = model.attrs.get("sorted_batch", 0)
    if not is_train and group and len(flat_spans) > group:
        return FullTransformerBatch(spans=nested_spans, wordpieces=wordpieces, align=align,
                                    model_output=_encode_sorted(model, encoding, group)), lambda d: docs
    model_output, bp_tensors = model.layers[0](wordpieces, is_train)
    output = FullTransformerBatch(spans=nested_spans, wordpieces=wordpieces, model_output=model_output, align=align)

    def backprop(d_output: FullTransformerBatch) -> List[Doc]:
        bp_tensors(d_output.model_output)
        return docs

    return output, backprop


def _encode_sorted(model: TaskTransformerModel, encoding: dict, group: int):
    """The transformer's output for `encoding`, computed on groups of `group` rows of similar
    length (each padded to its own longest row) and put back in the original row order and width."""
    lengths = encoding["attention_mask"].sum(axis=1)
    order = numpy.argsort(-lengths, kind="stable")
    width = encoding["input_ids"].shape[1]
    parts = []
    for start in range(0, len(order), group):
        rows = order[start : start + group]
        cut = int(lengths[rows].max())
        sub = {"input_ids": encoding["input_ids"][rows, :cut], "attention_mask": encoding["attention_mask"][rows, :cut],
               "input_texts": [encoding["input_texts"][i][:cut] for i in rows]}
        if encoding.get("token_type_ids") is not None:
            sub["token_type_ids"] = encoding["token_type_ids"][rows, :cut]
        output, _ = model.layers[0](WordpieceBatch.from_batch_encoding(sub), False)
        parts.append((rows, output))
    template = parts[0][1]
    merged = {}
    for key in template.keys():
        if not isinstance(template[key], torch.Tensor):
            continue
        first = template[key]
        shape = (len(order), width, *first.shape[2:]) if first.dim() >= 2 and key == "last_hidden_state" else (len(order), *first.shape[1:])
        full = first.new_zeros(shape)
        for rows, output in parts:
            value = output[key]
            index = torch.as_tensor(rows, dtype=torch.long)
            if key == "last_hidden_state":
                full[index, : value.shape[1]] = value
            else:
                full[index] = value
        merged[key] = full
    return type(template)(**merged)
