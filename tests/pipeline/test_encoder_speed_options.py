"""Inference options of the encoder: int8 weights on load, length-sorted groups, passage windows."""
import numpy
import pytest
import spacy
import torch

from spacy_aioner.corpora.docs import build_doc
from spacy_aioner.corpora.records import Passage, SourceDocument
from tests.pipeline.conftest import TRAIN, make_examples, make_nlp, task_doc, train

TEXTS = [text for text, _, _ in TRAIN] + [" ".join(text for text, _, _ in TRAIN) * 3]


@pytest.fixture(scope="module")
def saved(trained, tmp_path_factory):
    nlp, _ = trained
    path = tmp_path_factory.mktemp("pipeline") / "p"
    nlp.to_disk(path)
    return path


def hidden_states(nlp, texts):
    """Each doc's token-aligned vectors as the listener pools them (rows of real wordpieces only)."""
    docs = list(nlp.pipe([task_doc(nlp, t) for t in texts]))
    out = []
    for doc in docs:
        data = doc._.trf_data
        lengths = data.wordpieces.attention_mask.sum(axis=1)
        states = data.model_output.last_hidden_state
        out.append([numpy.asarray(states[i, : int(n)]) for i, n in enumerate(lengths)])
    return docs, out


def assert_close_states(reference, other, min_cosine=0.98):
    """Every real wordpiece's vector of `other` points where `reference`'s does."""
    _, a = hidden_states(reference, TEXTS)
    _, b = hidden_states(other, TEXTS)
    for doc_a, doc_b in zip(a, b):
        for x, y in zip(doc_a, doc_b):
            cosine = (x * y).sum(axis=1) / (numpy.linalg.norm(x, axis=1) * numpy.linalg.norm(y, axis=1))
            assert cosine.min() > min_cosine


def test_int8_output_is_close_to_fp32_and_the_saved_weights_stay(saved):
    files = {p: p.read_bytes() for p in saved.rglob("*") if p.is_file()}
    fp32 = spacy.load(saved)
    int8 = spacy.load(saved, config={"components": {"aioner_transformer": {"quantize": "int8"}}})
    assert int8.get_pipe("aioner_transformer").model.quantized == "int8"
    assert "quantized" in type(int8.get_pipe("aioner_transformer").model.transformer.encoder.layer[0].intermediate.dense).__module__
    assert_close_states(fp32, int8)
    assert {p: p.read_bytes() for p in saved.rglob("*") if p.is_file()} == files


@pytest.mark.parametrize("mode", ["int8-channel", "int8-ffn"])
def test_per_channel_and_feed_forward_int8(saved, mode):
    fp32 = spacy.load(saved)
    quantized = spacy.load(saved, config={"components": {"aioner_transformer": {"quantize": mode}}})
    layer = quantized.get_pipe("aioner_transformer").model.transformer.encoder.layer[0]
    assert "quantized" in type(layer.intermediate.dense).__module__ and "quantized" in type(layer.output.dense).__module__
    attention_quantized = "quantized" in type(layer.attention.self.query).__module__
    assert attention_quantized == (mode == "int8-channel")  # int8-ffn leaves attention in fp32
    assert layer.intermediate.dense.weight().qscheme() == torch.per_channel_affine
    assert_close_states(fp32, quantized)


def test_onnx_runtime_fp32_matches_torch_and_its_int8_stays_close(saved):
    pytest.importorskip("onnxruntime")
    from spacy_aioner.layers.onnx_encoder import OrtEncoder, use_onnx_runtime

    fp32 = spacy.load(saved)
    exported = spacy.load(saved)
    use_onnx_runtime(exported.get_pipe("aioner_transformer").model, int8=None)
    assert isinstance(exported.get_pipe("aioner_transformer").model.layers[0].shims[0]._model, OrtEncoder)
    assert_close_states(fp32, exported, min_cosine=0.9999)  # the fused graph computes the same encoder
    onnx_int8 = spacy.load(saved, config={"components": {"aioner_transformer": {"quantize": "onnx-int8"}}})
    assert onnx_int8.get_pipe("aioner_transformer").model.quantized == "onnx-int8"
    assert_close_states(fp32, onnx_int8)
    docs = list(onnx_int8.pipe(TEXTS))
    assert [len(doc) for doc in docs] == [len(doc) for doc in fp32.pipe(TEXTS)]
    with pytest.raises(ValueError, match="cannot be saved"):
        onnx_int8.to_disk(saved.parent / "out")


def test_an_int8_pipeline_refuses_to_train_or_be_saved(saved, tmp_path):
    int8 = spacy.load(saved, config={"components": {"aioner_transformer": {"quantize": "int8"}}})
    with pytest.raises(ValueError, match="cannot be saved"):
        int8.to_disk(tmp_path / "out")
    with pytest.raises(ValueError, match="is for inference on a trained pipeline; update needs"):
        int8.update(make_examples(int8))
    with pytest.raises(ValueError, match="quantize must be one of int8"):
        spacy.load(saved, config={"components": {"aioner_transformer": {"quantize": "int4"}}})


def test_length_sorted_groups_give_the_same_output_in_the_same_order(saved):
    plain = spacy.load(saved)
    grouped = spacy.load(saved, config={"components": {"aioner_transformer": {"model": {"sorted_batch": 2}}}})
    docs_a, a = hidden_states(plain, TEXTS)
    docs_b, b = hidden_states(grouped, TEXTS)
    assert len(docs_b[-1]._.trf_data.wordpieces.input_ids) > 2  # the long doc has several spans
    for doc_a, doc_b in zip(a, b):
        for x, y in zip(doc_a, doc_b):
            assert numpy.allclose(x, y, atol=1e-5)
    assert [[(s.text, s.label_) for s in d.spans["aioner"]] for d in docs_a] == \
        [[(s.text, s.label_) for s in d.spans["aioner"]] for d in docs_b]


def test_passage_windows_in_the_pipeline(tiny_bert):
    nlp = make_nlp(tiny_bert)
    getter = spacy.registry.get("span_getters", "spacy-aioner.passage_spans.v1")(window=16, stride=12)
    nlp.get_pipe("aioner_transformer").model.attrs["get_spans"] = getter
    train(nlp, make_examples(nlp), steps=2)
    source = SourceDocument("1", [Passage(0, "BRCA1 mutation causes breast cancer."),
                                  Passage(37, "Aspirin induced diabetes in mice. TP53 loss in HeLa cells.")])
    doc = nlp(build_doc(nlp, source, "ALL", type_map={}))
    spans = getter([doc])[0]
    assert [i for s in spans for i in range(s.start, s.end)] == list(range(len(doc)))
    assert [s.text for s in spans] == ["BRCA1 mutation causes breast cancer.\n",
                                       "Aspirin induced diabetes in mice. TP53 loss in HeLa cells."]
    assert len(doc._.trf_data.wordpieces.input_ids) == 2  # the encoder saw the two passages
