import pytest

from tests.pipeline.conftest import make_examples, make_nlp, train
from tests.tiny_bert import build_tiny_bert


@pytest.fixture(scope="session")
def model(tmp_path_factory):
    """A small trained pipeline on the tiny BERT, saved to disk."""
    root = tmp_path_factory.mktemp("annotate")
    nlp = make_nlp(build_tiny_bert(root / "bert"))
    train(nlp, make_examples(nlp), steps=40)
    nlp.to_disk(root / "pipeline")
    return str(root / "pipeline")


def run_files(folder):
    """The names in an output folder but the outputs' provenance records (temporaries count)."""
    from spacy_aioner.annotation.plan import PROVENANCE_SUFFIX

    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(PROVENANCE_SUFFIX))
