import socket
from pathlib import Path

import pytest

from spacy_aioner.tokenizer import blank_biomedical

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
# the workflow smoke tests take most of the suite's time: first, so that on two workers (.ci/run)
# each starts at once and the rest of the suite runs beside them
LONGEST_FIRST = ("tests/project/test_project_smoke.py", "tests/project/test_release_smoke.py")


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))


def free_port() -> int:
    """A port nothing listens on now, on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def corpus_file(*parts: str) -> Path:
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared corpus file {path} is not present")
    return path


def assert_same_alone_and_in_threads(call, arguments: dict, rounds: int = 3) -> None:
    """`call` on each of `arguments` (name -> argument) gives different results, and the same
    results when the calls run at once in threads, round after round."""
    from concurrent.futures import ThreadPoolExecutor

    alone = {name: call(argument) for name, argument in arguments.items()}
    assert len({repr(result) for result in alone.values()}) == len(alone), "the calls must differ to test anything"
    with ThreadPoolExecutor(len(arguments)) as pool:
        for _ in range(rounds):
            futures = {name: pool.submit(call, argument) for name, argument in arguments.items()}
            assert {name: future.result() for name, future in futures.items()} == alone


def pubtator_blocks(path: Path, which) -> list:
    """The documents of a PubTator file at the positions `which` (negative ones count from the end)."""
    blocks = [b for b in path.read_text(encoding="utf8").split("\n\n") if b.strip()]
    return [blocks[i].strip("\n") + "\n" for i in which]


@pytest.fixture(scope="session")
def nlp():
    return blank_biomedical()


@pytest.fixture(scope="session")
def trained_pipeline(tmp_path_factory):
    """A small pipeline on the tiny BERT, trained a few steps (for tests outside tests/pipeline)."""
    from tests.pipeline.conftest import make_examples, make_nlp, train
    from tests.tiny_bert import build_tiny_bert

    nlp = make_nlp(build_tiny_bert(tmp_path_factory.mktemp("bert")))
    train(nlp, make_examples(nlp), steps=40)
    return nlp


@pytest.fixture(scope="session")
def chain_pipeline_dir(tmp_path_factory):
    """A trained tiny pipeline with the abbreviation step, saved as the `all` workflow packages it."""
    pytest.importorskip("scispacy")
    from spacy_aioner.scispacy import add_abbreviation_step
    from tests.pipeline.conftest import make_examples, make_nlp, train
    from tests.tiny_bert import build_tiny_bert

    root = tmp_path_factory.mktemp("chain")
    nlp = make_nlp(build_tiny_bert(root / "bert"))
    train(nlp, make_examples(nlp), steps=40)
    add_abbreviation_step(nlp).to_disk(root / "pipeline")
    return root / "pipeline"


@pytest.fixture(scope="session")
def linked_pipeline_dir(trained_pipeline, tmp_path_factory):
    """The trained pipeline with linkers for Gene, Disease and Species; the species KB also
    names "human" as a Disease concept's alias, which must not leak across types."""
    pytest.importorskip("scispacy")
    from spacy_aioner.linking.lexicon import Lexicon
    from spacy_aioner.linking.linker import add_type_linkers

    folder = tmp_path_factory.mktemp("linking")
    lexicon = Lexicon()
    for etype, identifier, text in [
        ("Gene", "672", "BRCA1"), ("Gene", "672", "BRCA-1"), ("Gene", "7157", "TP53"),
        ("Disease", "D001943", "breast cancer"), ("Disease", "D001943", "breast cancers"),
        ("Disease", "D003920", "diabetes"), ("Disease", "D999999", "human"),
        ("Species", "9606", "human"), ("Species", "10090", "mice"),
    ]:
        lexicon.add(etype, identifier, text)
    files = {etype: lexicon.write(etype, folder / f"{etype}.jsonl") for etype in ("Gene", "Disease", "Species")}
    nlp = trained_pipeline
    add_type_linkers(nlp, files, folder / "kbs")
    try:
        nlp.to_disk(folder / "pipeline")
    finally:
        nlp.remove_pipe("aioner_linker")  # the session's shared pipeline stays as it was
    return folder / "pipeline"
