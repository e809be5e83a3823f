"""An encoder folder named through ``spacy-aioner.offline_minilm.v1`` (``path``), as the
adapted encoder of issue 47 is: read when the pipeline is initialized, never when a trained
pipeline loads, so a saved or packaged pipeline works where the folder does not exist."""
import shutil

import pytest
import spacy

from spacy_aioner.tokenizer import make_biomedical_tokenizer
from tests.pipeline.conftest import make_examples, train
from tests.tiny_bert import build_tiny_bert


def make_folder_nlp(folder):
    nlp = spacy.blank("en")
    nlp.tokenizer = make_biomedical_tokenizer(nlp)
    spans = {"@span_getters": "spacy-transformers.strided_spans.v1", "window": 16, "stride": 12}
    name = {"@misc": "spacy-aioner.offline_minilm.v1", "path": str(folder)}
    nlp.add_pipe("aioner_transformer", config={"model": {"name": name, "get_spans": spans}})
    nlp.add_pipe("aioner", config={"model": {"hidden_width": 32}})
    return nlp


def test_a_pipeline_trained_from_an_encoder_folder_loads_without_it(tmp_path):
    folder = build_tiny_bert(tmp_path / "encoder")
    nlp = make_folder_nlp(folder)
    train(nlp, make_examples(nlp), steps=5)
    text = "BRCA1 mutation causes breast cancer in human patients."
    expected = [(e.start, e.end, e.label_) for e in nlp(text).ents]
    nlp.to_disk(tmp_path / "pipeline")
    shutil.rmtree(folder)
    loaded = spacy.load(tmp_path / "pipeline")
    assert [(e.start, e.end, e.label_) for e in loaded(text).ents] == expected


def test_initializing_from_a_missing_encoder_folder_names_it(tmp_path):
    nlp = make_folder_nlp(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="nowhere: not a Hugging Face encoder folder"):
        nlp.initialize(lambda: make_examples(nlp))
