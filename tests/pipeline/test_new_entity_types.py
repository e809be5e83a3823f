"""Pipelines over entity types other than the six AIO ones, and fine-tuning a trained
pipeline to them through the project's config (the encoder, its markers and weights kept)."""
from pathlib import Path

import pytest
import spacy
import torch
from spacy.training.initialize import init_nlp
from thinc.api import Adam

from spacy_aioner.corpora.docbin import save_docs
from spacy_aioner.scheme import Scheme
from tests.pipeline.conftest import make_examples, make_nlp, train

ROOT = Path(__file__).resolve().parents[2]
TYPES = ["Tissue", "Cell", "Multi-tissue_structure"]
# Sentences written for these tests.
ANATOMY = [
    ("Keratinocytes of the epidermis were stained.", [("Keratinocytes", "Cell"), ("epidermis", "Tissue")], "ALL"),
    ("Hepatocytes surround the portal tract.", [("Hepatocytes", "Cell"), ("portal tract", "Multi-tissue_structure")], "ALL"),
    ("No staining of the dermis was seen.", [("dermis", "Tissue")], "ALL"),
]


def encoder_state(nlp):
    return {k: v.clone() for k, v in nlp.get_pipe("aioner_transformer").model.transformer.state_dict().items()}


def test_new_entity_types_set_the_labels_and_are_learned(tiny_bert):
    nlp = make_nlp(tiny_bert, entity_types=TYPES)
    aioner = nlp.get_pipe("aioner")
    assert aioner.labels == Scheme(tuple(TYPES)).labels
    assert "B-Multi-tissue_structure" in aioner.labels and "B-Gene" not in aioner.labels
    train(nlp, make_examples(nlp, ANATOMY), steps=60)
    for text, ents, _ in ANATOMY:
        assert sorted((e.text, e.label_) for e in nlp(text).ents) == sorted(ents)


def test_tasks_outside_the_scheme_or_without_markers_are_refused(tiny_bert):
    with pytest.raises(ValueError, match="Unknown AIONER task 'Gene'.*Tissue"):
        make_nlp(tiny_bert, task="Gene", entity_types=TYPES)
    with pytest.raises(ValueError, match="task 'Cell' has no marker tokens.*runs as task ALL"):
        make_nlp(tiny_bert, task="Cell", entity_types=TYPES)
    with pytest.raises(NotImplementedError, match="entity_types"):
        make_nlp(tiny_bert).get_pipe("aioner").add_label("Organ")


def test_finetune_config_keeps_the_trained_encoder_and_its_markers(trained, tmp_path):
    base_nlp, _ = trained
    base_nlp.to_disk(tmp_path / "base")
    data = make_examples(base_nlp, ANATOMY)
    save_docs([eg.reference for eg in data], tmp_path / "train.spacy")
    save_docs([eg.reference for eg in data], tmp_path / "dev.spacy")
    config = spacy.util.load_config(ROOT / "configs" / "aioner_anem_finetune.cfg", overrides={
        "paths.base_model": str(tmp_path / "base"), "paths.train": str(tmp_path / "train.spacy"),
        "paths.dev": str(tmp_path / "dev.spacy"), "components.aioner.model.entity_types": TYPES,
        "components.aioner.model.hidden_width": 32,
    })
    nlp = init_nlp(config)
    before = encoder_state(base_nlp)
    after = encoder_state(nlp)
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)
    base_tok = base_nlp.get_pipe("aioner_transformer").model.tokenizer
    new_tok = nlp.get_pipe("aioner_transformer").model.tokenizer
    assert new_tok.convert_tokens_to_ids(["<ALL>", "</ALL>"]) == base_tok.convert_tokens_to_ids(["<ALL>", "</ALL>"])
    assert nlp.get_pipe("aioner").labels == Scheme(tuple(TYPES)).labels
    doc = nlp("Keratinocytes of the epidermis were stained.")
    assert new_tok.convert_ids_to_tokens(int(doc._.trf_data.wordpieces.input_ids[0][1])) == "<ALL>"
    encoder_record = base_nlp.get_pipe("aioner_transformer").training_examples_without_id
    assert encoder_record > 0 and nlp.get_pipe("aioner_transformer").training_examples_without_id == encoder_record
    assert nlp.get_pipe("aioner").training_examples_without_id == 0  # a new pipe, an empty record
    sgd = Adam(0.001)  # the config's own schedule starts at learn rate 0
    for _ in range(2):  # spaCy applies the encoder's gradient at the next update's finish_update
        losses = {}
        nlp.update(make_examples(nlp, ANATOMY), losses=losses, sgd=sgd)
    assert losses["aioner"] > 0 and not all(torch.equal(before[k], v) for k, v in encoder_state(nlp).items())
    # the encoder's record holds what it learned in both pipelines, the new pipe's only its own
    assert nlp.get_pipe("aioner_transformer").training_examples_without_id == encoder_record + 2 * len(ANATOMY)
    assert nlp.get_pipe("aioner").training_examples_without_id == 2 * len(ANATOMY)

