"""The AIO tagger: token vectors -> Linear + ReLU -> Linear emission scores over the
scheme's labels (the 19 AIO labels unless `entity_types` names other types), plus (for the
CRF decoder) the CRF layer that owns the transition scores.

The model's forward returns the emissions; the pipe runs the CRF layer on them for the
loss and calls the torch CRF directly to decode, so both share one set of parameters
that thinc serializes and updates.
"""
from typing import List, Optional, Sequence, Tuple

import torch
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import (ArgsKwargs, Linear, Model, PyTorchWrapper_v2, Relu, chain, concatenate, to_numpy, torch2xp,
                       with_array, xp2torch)
from thinc.types import Floats1d, Floats2d

from ..scheme import AIO, Scheme
from .crf import ConstrainedCRF, pad_batch
from .eval_mode import keep_eval_mode_in_predict

DECODERS = ("crf", "softmax")


@registry.architectures("spacy-aioner.AIOTagger.v1")
def build_aio_tagger(
    tok2vec: Model[List[Doc], List[Floats2d]],
    hidden_width: int = 256,
    dropout: float = 0.1,
    decoder: str = "crf",
    entity_types: Optional[List[str]] = None,
    case_features: int = 0,
) -> Model[List[Doc], List[Floats2d]]:
    """Emission scores per token over the labels of `entity_types` (default: the six AIO
    types); `decoder` is 'crf' or 'softmax'. With `case_features` > 0, hash embeddings of that
    width over each token's SHAPE, PREFIX and SUFFIX are concatenated to `tok2vec`'s vectors,
    giving the tagger back the case an uncased encoder loses (``CAT`` the gene, ``cat``)."""
    if decoder not in DECODERS:
        raise ValueError(f"decoder must be one of {DECODERS}, got {decoder!r}")
    if case_features < 0:
        raise ValueError(f"case_features is a width (0: off), got {case_features}")
    scheme = Scheme(tuple(entity_types)) if entity_types else AIO
    output = with_array(chain(Relu(nO=hidden_width, dropout=dropout), Linear(nO=len(scheme.labels))))
    features = concatenate(tok2vec, build_case_embed(case_features)) if case_features else tok2vec
    emissions = chain(features, output)
    layers = [emissions] + ([build_crf_layer(scheme.labels)] if decoder == "crf" else [])
    attrs = {"decoder": decoder, "entity_types": list(scheme.entity_types)}
    model = Model("aio_tagger", _forward, init=_init, layers=layers, attrs=attrs)
    model.set_ref("tok2vec", tok2vec)
    model.set_ref("output_layer", output)
    if decoder == "crf":
        model.set_ref("crf", layers[1])
    return model


CASE_ATTRS = ["SHAPE", "PREFIX", "SUFFIX"]


def build_case_embed(width: int) -> Model[List[Doc], List[Floats2d]]:
    """spaCy's MultiHashEmbed over the token attributes that keep case and affixes."""
    from spacy.ml.models.tok2vec import MultiHashEmbed

    return MultiHashEmbed(width=width, attrs=CASE_ATTRS, rows=[1000, 2500, 2500], include_static_vectors=False)


def _forward(model: Model, docs: List[Doc], is_train: bool):
    return model.layers[0](docs, is_train)


def _init(model: Model, X=None, Y=None) -> None:
    model.layers[0].initialize(X=X)


def build_crf_layer(labels: Sequence[str]) -> Model:
    """The CRF as a thinc layer: (emissions, gold tag ids, label masks) -> NLL per doc."""
    crf = PyTorchWrapper_v2(ConstrainedCRF(labels), convert_inputs=_crf_inputs, convert_outputs=_crf_outputs)
    return keep_eval_mode_in_predict(crf)


def crf_module(model: Model) -> ConstrainedCRF:
    """The torch CRF inside a tagger built by build_aio_tagger."""
    return model.get_ref("crf").shims[0]._model


def pad(emissions: List[Floats2d], requires_grad: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
    """Stack per-doc (tokens, labels) arrays into a zero-padded tensor, with the lengths."""
    n_labels = emissions[0].shape[1] if len(emissions) else 0
    padded, lengths = pad_batch([to_numpy(e) for e in emissions], n_labels)
    return torch.from_numpy(padded).float().requires_grad_(requires_grad), torch.from_numpy(lengths)


def _crf_inputs(model: Model, X, is_train: bool):
    emissions, tags, masks = X
    padded, lengths = pad(emissions, requires_grad=True)
    gold = torch.zeros(padded.shape[:2], dtype=torch.long)
    for i, t in enumerate(tags):
        gold[i, : len(t)] = xp2torch(model.ops.asarray(t, dtype="int64"))
    label_mask = xp2torch(model.ops.asarray(masks)).bool()

    def get_d_emissions(d_inputs: ArgsKwargs) -> List[Floats2d]:
        d_padded = torch2xp(d_inputs.args[0])
        return [d_padded[i, : len(e)] for i, e in enumerate(emissions)]

    return ArgsKwargs(args=(padded, gold, lengths, label_mask), kwargs={}), get_d_emissions


def _crf_outputs(model: Model, inputs_outputs, is_train: bool):
    _, nll = inputs_outputs

    def backprop(d_nll: Floats1d) -> ArgsKwargs:
        return ArgsKwargs(args=(nll,), kwargs={"grad_tensors": xp2torch(d_nll)})

    return torch2xp(nll.detach()), backprop
