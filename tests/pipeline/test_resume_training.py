"""Two-stage training through the project's resume config: the second stage starts from every
weight of a trained pipeline (encoder, marker tokens and AIO tagger) and goes on learning."""
from pathlib import Path

import spacy
import torch
from spacy.training.initialize import init_nlp
from thinc.api import Adam

from spacy_aioner.corpora.docbin import save_docs
from tests.pipeline.conftest import TRAIN, make_examples

ROOT = Path(__file__).resolve().parents[2]


def weights(nlp):
    """Every parameter of the encoder and of the AIO tagger, in a fixed order."""
    encoder = [v.clone() for v in nlp.get_pipe("aioner_transformer").model.transformer.state_dict().values()]
    tagger = []
    for node in nlp.get_pipe("aioner").model.walk():
        tagger += [torch.tensor(node.get_param(name).copy()) for name in node.param_names if node.has_param(name)]
        tagger += [v.clone() for shim in node.shims for v in shim._model.state_dict().values()]  # the CRF
    return encoder, tagger


def same(a, b):
    return len(a) == len(b) and all(torch.equal(x, y) for x, y in zip(a, b))


def test_resume_config_starts_from_every_trained_weight_and_goes_on_learning(trained, tmp_path):
    base_nlp, _ = trained
    base_nlp.to_disk(tmp_path / "base")
    save_docs([eg.reference for eg in make_examples(base_nlp)], tmp_path / "train.spacy")
    config = spacy.util.load_config(ROOT / "configs" / "aioner_minilm_resume.cfg", overrides={
        "paths.base_model": str(tmp_path / "base"), "paths.train": str(tmp_path / "train.spacy"),
        "paths.dev": str(tmp_path / "train.spacy"),
    })
    nlp = init_nlp(config)
    assert nlp.pipe_names == base_nlp.pipe_names
    assert nlp.get_pipe("aioner").labels == base_nlp.get_pipe("aioner").labels
    assert all(same(a, b) for a, b in zip(weights(base_nlp), weights(nlp)))
    markers = ["<ALL>", "</ALL>", "<Gene>", "</Gene>"]
    tokenizers = [n.get_pipe("aioner_transformer").model.tokenizer for n in (base_nlp, nlp)]
    marker_ids = tokenizers[1].convert_tokens_to_ids(markers)
    assert marker_ids == tokenizers[0].convert_tokens_to_ids(markers) and tokenizers[1].unk_token_id not in marker_ids
    for text, _, task in TRAIN:
        expected, got = base_nlp.make_doc(text), nlp.make_doc(text)
        expected._.aioner_task = got._.aioner_task = task
        assert [(e.text, e.label_) for e in nlp(got).ents] == [(e.text, e.label_) for e in base_nlp(expected).ents]
    records = [n.get_pipe("aioner").training_examples_without_id for n in (base_nlp, nlp)]
    assert records[0] == records[1] > 0  # the sourced pipe keeps the first stage's record
    before = weights(nlp)
    sgd = Adam(0.001)  # the config's own schedule starts at learn rate 0
    for _ in range(2):  # spaCy applies the encoder's gradient at the next update's finish_update
        losses = {}
        nlp.update(make_examples(nlp), losses=losses, sgd=sgd)
    after = weights(nlp)
    assert losses["aioner"] > 0
    assert nlp.get_pipe("aioner").training_examples_without_id == records[0] + 2 * len(TRAIN)  # and adds to it
    assert not same(before[0], after[0]) and not same(before[1], after[1])


def test_resume_config_differs_from_the_training_config_only_where_it_must():
    train = spacy.util.load_config(ROOT / "configs" / "aioner_minilm.cfg", interpolate=False)
    resume = spacy.util.load_config(ROOT / "configs" / "aioner_minilm_resume.cfg", interpolate=False)
    assert resume["paths"] == {**train["paths"], "base_model": None}
    assert resume["components"] == {name: {"source": "${paths.base_model}"} for name in train["components"]}
    schedule = resume["training"]["optimizer"]["learn_rate"]
    assert (resume["training"]["max_steps"], schedule["warmup_steps"], schedule["initial_rate"]) == (400, 40, 5e-5)
    resume["training"]["max_steps"] = train["training"]["max_steps"]
    schedule.update(warmup_steps=train["training"]["optimizer"]["learn_rate"]["warmup_steps"],
                    initial_rate=train["training"]["optimizer"]["learn_rate"]["initial_rate"])
    for section in train:
        if section not in ("paths", "components"):
            assert resume[section] == train[section], section
