"""The prompt lever (issue 47): marker embeddings that start from the task's description."""
import pytest
import spacy
import torch

from spacy_aioner.layers.task_encoder import TASK_DESCRIPTIONS, marker_ids
from spacy_aioner.scheme import TASKS
from spacy_aioner.tokenizer import make_biomedical_tokenizer


def make(tiny_bert, marker_init):
    nlp = spacy.blank("en")
    nlp.tokenizer = make_biomedical_tokenizer(nlp)
    nlp.add_pipe("aioner_transformer", config={"model": {"name": str(tiny_bert), "marker_init": marker_init}})
    nlp.add_pipe("aioner", config={"model": {"hidden_width": 32}})
    nlp.initialize()
    return nlp.get_pipe("aioner_transformer").model


def test_description_markers_start_at_the_mean_of_their_words(tiny_bert):
    model = make(tiny_bert, "description")
    weight = model.transformer.get_input_embeddings().weight
    ids = marker_ids(model.tokenizer)
    assert set(TASK_DESCRIPTIONS) == set(TASKS)
    for task in TASKS:
        pieces = model.tokenizer(TASK_DESCRIPTIONS[task], add_special_tokens=False)["input_ids"]
        expected = weight[pieces].mean(dim=0)
        assert torch.allclose(weight[ids[f"<{task}>"]], expected) and torch.allclose(weight[ids[f"</{task}>"]], expected)
    random = make(tiny_bert, "random")
    rweight = random.transformer.get_input_embeddings().weight
    rids = marker_ids(random.tokenizer)
    assert not torch.allclose(rweight[rids["<Gene>"]], rweight[rids["</Gene>"]])


def test_unknown_marker_init_is_refused(tiny_bert):
    with pytest.raises(ValueError, match="marker_init must be one of random, description"):
        make(tiny_bert, "glove")
