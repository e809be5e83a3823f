"""`python -m spacy_aioner serve` as a user starts it: a real uvicorn server in its own process."""
import subprocess
import sys
import time

import httpx2 as httpx
import pytest

from tests.pipeline.conftest import TRAIN
from tests.conftest import free_port


def test_serve_refuses_a_missing_pipeline(tmp_path):
    result = subprocess.run([sys.executable, "-m", "spacy_aioner", "serve", "--model", str(tmp_path / "nope")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "no such pipeline folder" in result.stderr


def test_serve_answers_and_warns_when_open_to_the_network_without_a_token(pipeline_dir):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "spacy_aioner", "serve", "--model", str(pipeline_dir), "--host", "0.0.0.0",
         "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline, health = time.time() + 120, None
        while time.time() < deadline and server.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert health is not None and health.status_code == 200, server.stderr.read() if server.poll() else "no answer"
        response = httpx.post(f"http://127.0.0.1:{port}/annotate", json={"texts": [TRAIN[0][0]]}, timeout=60)
        assert ("BRCA1", "Gene") in {(m["text"], m["type"]) for m in response.json()["results"][0]["mentions"]}
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=60)
    assert "Warning: 0.0.0.0 is reachable from other machines and no --token is set" in stderr


@pytest.mark.parametrize("option, value, problem", [("--engine", "spark", "choose local or ray"),
                                                    ("--quantize", "int4", "choose one of")])
def test_serve_refuses_bad_options_before_loading(pipeline_dir, option, value, problem):
    result = subprocess.run([sys.executable, "-m", "spacy_aioner", "serve", "--model", str(pipeline_dir), option, value],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and problem in result.stderr
