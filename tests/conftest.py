from pathlib import Path

import pytest

from spacy_aioner.tokenizer import blank_biomedical

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


def corpus_file(*parts: str) -> Path:
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared corpus file {path} is not present")
    return path


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def nlp():
    return blank_biomedical()
