"""The task-conditioned transformer: spacy-transformers' TransformerModel with every span it
encodes wrapped as ``[CLS] <Task> ... </Task> [SEP]``.

The marker ids are inserted after tokenization with offset (0, 0), so they align to no
spaCy token and shift no offset. Spans too long for the encoder are split (never truncated)
so that every token gets a vector. The task of a document is ``doc._.aioner_task``, else the
default task that the ``aioner_transformer`` component learns from its listening ``aioner``
pipe; a :class:`TaskContext` kept in the model's attrs (never serialized) carries it.
"""
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

import numpy
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

from ..extensions import install_extensions
from ..scheme import ALL, MARKERS, check_task, close_marker, open_marker

CONTEXT_ATTR = "aioner_task_context"


@dataclass
class TaskContext:
    """Which task the encoder uses for documents without their own ``aioner_task``.

    `forced`, when set, wins even over the document's task (one extra pass per task).
    """

    default: str = ALL
    forced: Optional[str] = None

    def task_of(self, doc: Doc) -> str:
        return check_task(self.forced or doc._.aioner_task or self.default)


class TaskTransformerModel(TransformerModel):
    """A TransformerModel whose input carries the AIO task markers."""

    def __init__(self, name: str, get_spans: Callable, tokenizer_config: dict = {},
                 transformer_config: dict = {}, mixed_precision: bool = False,
                 grad_scaler_config: dict = {}):
        super().__init__(name, get_spans, tokenizer_config, transformer_config,
                         mixed_precision, grad_scaler_config)
        self._func = forward
        self.init = init
        self.attrs[CONTEXT_ATTR] = TaskContext()
        self.attrs["replace_listener_cfg"] = _refuse_replace_listeners
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
) -> TaskTransformerModel:
    """A transformer (as spacy-transformers.TransformerModel.v3) conditioned on the AIO task."""
    return TaskTransformerModel(name, get_spans, tokenizer_config, transformer_config,
                                mixed_precision, grad_scaler_config)


def init(model: TaskTransformerModel, X=None, Y=None) -> None:
    """Load the transformer, then register the 14 markers and grow the embeddings."""
    if model.attrs["has_transformer"]:
        return
    stock_init(model, X=None, Y=Y)
    tokenizer = model.tokenizer
    if not isinstance(tokenizer, PreTrainedTokenizerFast):
        raise ValueError(f"{model.attrs['name']}: aioner needs a fast tokenizer (offset mappings)")
    tokenizer.add_special_tokens(
        {"additional_special_tokens": list(MARKERS)}, replace_additional_special_tokens=False
    )
    model.transformer.resize_token_embeddings(len(tokenizer))


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
    model_output, bp_tensors = model.layers[0](wordpieces, is_train)
    output = FullTransformerBatch(spans=nested_spans, wordpieces=wordpieces, model_output=model_output, align=align)

    def backprop(d_output: FullTransformerBatch) -> List[Doc]:
        bp_tensors(d_output.model_output)
        return docs

    return output, backprop
