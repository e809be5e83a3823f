"""annotate with the packaged abbreviation step: the same input gives the same bytes, whether it
runs in one process, two worker processes or on Ray, and whichever copy of a file it is (issue 65)."""
import json
import subprocess
import sys

import pytest

from tests.conftest import corpus_file, pubtator_blocks

pytest.importorskip("scispacy")
COPIES = 4


@pytest.fixture(scope="module")
def chain_model(chain_pipeline_dir):
    return str(chain_pipeline_dir)


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    """Four files holding the same 40 BioRED dev abstracts (text lines only)."""
    blocks = pubtator_blocks(corpus_file("pubtator", "BioRED_TrainDev.PubTator"), range(-40, 0))
    text = "\n".join("\n".join(block.splitlines()[:2]) + "\n" for block in blocks)
    folder = tmp_path_factory.mktemp("copies")
    for i in range(COPIES):
        (folder / f"copy{i}.PubTator").write_text(text, encoding="utf8")
    return folder


def annotate(inputs, output, model, *options):
    cmd = [sys.executable, "-m", "spacy_aioner", "annotate", str(inputs), "--model", model, "--batch-size", "8",
           "--output", str(output), *options]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.mark.xdist_group("ray")  # one worker: local Ray clusters share ports
def test_one_process_two_processes_and_ray_write_the_same_bytes(chain_model, copies, tmp_path):
    summary = annotate(copies, tmp_path / "one", chain_model)
    outputs = {f"copy{i}.PubTator": (tmp_path / "one" / f"copy{i}.PubTator").read_bytes() for i in range(COPIES)}
    assert summary["documents"] == 40 * COPIES and sum(summary["mentions"].values()) > 0
    assert len(set(outputs.values())) == 1  # every copy of the file annotated alike
    annotate(copies, tmp_path / "two", chain_model, "--n-process", "2")
    variants = ["two"]
    if pytest.importorskip("ray", reason="Ray is not installed") is not None:
        annotate(copies, tmp_path / "ray", chain_model, "--engine", "ray", "--n-process", "2")
        variants.append("ray")
    for variant in variants:
        for name, content in outputs.items():
            assert (tmp_path / variant / name).read_bytes() == content, f"{variant}: {name} differs"
