from pathlib import Path

import pytest

from spacy_aioner.tokenizer import blank_biomedical

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


def corpus_file(*parts: str) -> Path:
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared corpus file {path} is not present")
    return path


@pytest.fixture(scope="session")
def nlp():
    return blank_biomedical()
