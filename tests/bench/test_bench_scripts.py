"""Every benchmark script runs end to end on a few documents and one round, on the tests' small
pipeline (the MiniLM where a bench builds its own): a bench that breaks, as annotate_throughput.py
did when issue 62 changed the engines, fails here and not on the day its numbers are wanted.
The reports' shape is checked, never their numbers."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_convert_cli import BIORED_LINE, convert_pubtator
from tests.conftest import corpus_file, free_port

ROOT = Path(__file__).resolve().parents[2]
FEW = ["--docs", "4", "--rounds", "1"]


def bench(script: str, *args, cwd: Path) -> str:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / script), *map(str, args)], cwd=cwd,
                            capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def report(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def biored(tmp_path_factory):
    """8 of BioRED's training documents and its dev split of 4, converted as the project does."""
    corpus_file("pubtator", "BioRED_TrainDev.PubTator")
    out, _ = convert_pubtator(tmp_path_factory.mktemp("biored"), [BIORED_LINE], "--dev-docs", "4", "--target-docs", "8")
    return out


def test_crf_decode(tmp_path):
    bench("crf_decode.py", "--batch-size", "2", "--min-tokens", "8", "--max-tokens", "12", "--repeat", "1",
          "--output", tmp_path / "r.json", cwd=tmp_path)
    assert report(tmp_path / "r.json")["microseconds_per_word"] > 0


def test_fast_profile_and_its_options(chain_pipeline_dir, tmp_path):
    bench("fast_profile.py", f"a={chain_pipeline_dir}", f"b={chain_pipeline_dir}+int8-channel+doc", *FEW,
          "--threads", "1", "--output", tmp_path / "r.json", cwd=tmp_path)
    assert list(report(tmp_path / "r.json")["results"]) == ["a", "b"]


def test_onnx_encoder(chain_pipeline_dir, biored, tmp_path):
    pytest.importorskip("onnxruntime", reason="the onnx extra")
    bench("onnx_encoder.py", chain_pipeline_dir, biored / "dev.spacy", *FEW, "--threads", "1",
          "--output", tmp_path / "r.json", cwd=tmp_path)
    assert set(report(tmp_path / "r.json")["results"]) >= {"torch-fp32", "onnx-int8"}


def test_profile_encoder(chain_pipeline_dir, tmp_path):
    bench("profile_encoder.py", chain_pipeline_dir, "--docs", "4", "--output", tmp_path / "r.json", cwd=tmp_path)
    assert set(report(tmp_path / "r.json")["variants"]) == {"fp32", "int8"}


def test_linking_time(linked_pipeline_dir, tmp_path):
    bench("linking_time.py", linked_pipeline_dir, *FEW, "--output", tmp_path / "r.json", cwd=tmp_path)
    assert set(report(tmp_path / "r.json")["ms_per_abstract"]) == {"with", "without"}


def test_serve_load(chain_pipeline_dir, tmp_path):
    pytest.importorskip("fastapi", reason="the serve extra")
    bench("serve_load.py", "--model", chain_pipeline_dir, "--clients", "2", *FEW, "--port", free_port(),
          "--output", tmp_path / "r.json", cwd=tmp_path)
    assert len(report(tmp_path / "r.json")["results"]) == 1  # one setting: 2 clients


@pytest.mark.xdist_group("ray")  # one worker: local Ray clusters share ports
def test_annotate_throughput_with_every_engine(chain_pipeline_dir, tmp_path):
    pytest.importorskip("ray", reason="the ray extra")
    bench("annotate_throughput.py", "--model", chain_pipeline_dir, *FEW, "--output", tmp_path / "r.json", cwd=tmp_path)
    assert len(report(tmp_path / "r.json")["runs"]) == 3


def test_annotate_memory_and_resume(chain_pipeline_dir, tmp_path):
    bench("annotate_memory.py", "--model", chain_pipeline_dir, "--docs", "6", "--n-process", "1", "--resume-check",
          "--output", tmp_path / "r.json", cwd=tmp_path)
    assert report(tmp_path / "r.json")["runs"]


def test_train_step_on_the_minilm_config(biored, tmp_path):
    bench("train_step.py", "--train", biored / "train", "--dev", biored / "dev.spacy", "--steps", "1", "--rounds", "1",
          "--init-docs", "4", "--threads", "1", "--output", tmp_path / "r.json", cwd=tmp_path)
    assert report(tmp_path / "r.json")["median_seconds_per_step"]


def test_mlm_step_both_heads(tmp_path):
    for head in ("masked", "full"):
        out = bench("mlm_step.py", "--head", head, "--steps", "1", "--batch-size", "2", "--length", "16", cwd=tmp_path)
        assert f"{head}: " in out and "s per step" in out


def test_speed_of_the_pipeline_and_its_peers(tmp_path):
    biored = corpus_file("pubtator", "BioRED_TrainDev.PubTator")  # its longest abstract as the "long" document
    bench("speed.py", "--docs", "2", "--train-steps", "1", "--rounds", "1", "--long-docs", "1", "--long-corpus", biored,
          "--threads", "1", "--output", tmp_path / "r.json", cwd=tmp_path)
    assert report(tmp_path / "r.json")["training_words_per_s"].keys() == {"crf", "ner"}
