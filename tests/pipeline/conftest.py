import random

import pytest
import spacy
from spacy.training import Example

from spacy_aioner.tokenizer import make_biomedical_tokenizer
from tests.tiny_bert import build_tiny_bert

# Sentences written for these tests.
TRAIN = [
    ("BRCA1 mutation causes breast cancer in human patients.",
     [("BRCA1", "Gene"), ("breast cancer", "Disease"), ("human", "Species")], "ALL"),
    ("Aspirin induced diabetes in mice.", [("Aspirin", "Chemical"), ("diabetes", "Disease"), ("mice", "Species")], "ALL"),
    ("TP53 loss in HeLa cells.", [("TP53", "Gene")], "Gene"),
    ("Growth hormone deficiency in rat.", [("Growth hormone deficiency", "Disease")], "Disease"),
    ("Sodium chloride treatment of HeLa cells.", [("Sodium chloride", "Chemical")], "Chemical"),
]


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory):
    return build_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))


def make_nlp(tiny_bert, task="ALL", decoder="crf", window=16, stride=12, entity_types=None, **aioner_cfg):
    nlp = spacy.blank("en")
    nlp.tokenizer = make_biomedical_tokenizer(nlp)
    spans = {"@span_getters": "spacy-transformers.strided_spans.v1", "window": window, "stride": stride}
    nlp.add_pipe("aioner_transformer", config={"model": {"name": str(tiny_bert), "get_spans": spans}})
    cfg = {"task": task, "model": {"hidden_width": 32, "decoder": decoder, "entity_types": entity_types}, **aioner_cfg}
    nlp.add_pipe("aioner", config=cfg)
    return nlp


def make_examples(nlp, data=TRAIN):
    examples = []
    for text, ents, task in data:
        ref = nlp.make_doc(text)
        ref.ents = [ref.char_span(text.index(t), text.index(t) + len(t), label=l) for t, l in ents]
        ref._.aioner_task = task
        pred = nlp.make_doc(text)
        pred._.aioner_task = task
        examples.append(Example(pred, ref))
    return examples


def train(nlp, examples, steps=60, seed=0):
    random.seed(seed)
    spacy.util.fix_random_seed(seed)
    optimizer = nlp.initialize(lambda: examples)
    losses = {}
    for _ in range(steps):
        random.shuffle(examples)
        losses = {}
        nlp.update(examples, sgd=optimizer, losses=losses, drop=0.0)
    return losses


def task_doc(nlp, text, task=None):
    doc = nlp.make_doc(text)
    doc._.aioner_task = task
    return doc


@pytest.fixture(scope="session")
def trained(tiny_bert):
    nlp = make_nlp(tiny_bert)
    losses = train(nlp, make_examples(nlp))
    return nlp, losses
