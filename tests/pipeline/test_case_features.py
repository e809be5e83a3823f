"""The case lever (issue 47): hash embeddings of SHAPE/PREFIX/SUFFIX beside the listener's
vectors, off by default, on with ``[components.aioner.model] case_features = N``."""
import pytest
import spacy

from spacy_aioner.layers.tagger import build_case_embed
from tests.pipeline.conftest import make_examples, train
from spacy_aioner.tokenizer import make_biomedical_tokenizer


def make_case_nlp(tiny_bert, width):
    nlp = spacy.blank("en")
    nlp.tokenizer = make_biomedical_tokenizer(nlp)
    spans = {"@span_getters": "spacy-transformers.strided_spans.v1", "window": 16, "stride": 12}
    nlp.add_pipe("aioner_transformer", config={"model": {"name": str(tiny_bert), "get_spans": spans}})
    nlp.add_pipe("aioner", config={"model": {"hidden_width": 32, "case_features": width}})
    return nlp


def test_case_features_widen_the_tagger_input_and_survive_a_round_trip(tiny_bert):
    nlp = make_case_nlp(tiny_bert, 8)
    losses = train(nlp, make_examples(nlp), steps=30)
    assert losses["aioner"] < 50
    hidden = nlp.get_pipe("aioner").model.get_ref("output_layer").layers[0].layers[0]
    listener_width = nlp.get_pipe("aioner_transformer").model.get_dim("nO")
    assert hidden.get_dim("nI") == listener_width + 8
    clone = make_case_nlp(tiny_bert, 8)
    clone.initialize()
    clone.from_bytes(nlp.to_bytes())
    text = "CAT and cat: MET in met patients."
    assert [(e.text, e.label_) for e in clone(text).ents] == [(e.text, e.label_) for e in nlp(text).ents]
    assert clone(text).spans["aioner"].attrs["scores"] == pytest.approx(nlp(text).spans["aioner"].attrs["scores"], abs=1e-5)


def test_the_case_embedding_tells_case_apart(nlp):
    embed = build_case_embed(8)
    docs = [nlp("CAT cat")]
    embed.initialize(X=docs)
    vectors = embed.predict(docs)[0]
    assert vectors.shape == (2, 8) and not (vectors[0] == vectors[1]).all()


def test_default_config_has_no_case_features(tiny_bert):
    nlp = make_case_nlp(tiny_bert, 0)
    assert nlp.config["components"]["aioner"]["model"]["case_features"] == 0
    with pytest.raises(ValueError, match="case_features is a width"):
        make_case_nlp(tiny_bert, -1)
