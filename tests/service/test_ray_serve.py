"""The same app on Ray Serve: two replicas on a local Ray, each with the pipeline loaded."""
import time

import httpx2 as httpx
import pytest

from tests.pipeline.conftest import TRAIN
from tests.conftest import free_port

serve = pytest.importorskip("ray.serve", reason="needs the ray extra (ray[serve])")


@pytest.mark.xdist_group("ray")  # one worker: local Ray clusters share ports
def test_two_replicas_serve_the_app(pipeline_dir):
    import ray

    from spacy_aioner.service.ray_serve import run_on_ray

    port = free_port()
    try:
        run_on_ray(str(pipeline_dir), replicas=2, host="127.0.0.1", port=port, token="t", blocking=False)
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
        status = serve.status().applications["aioner"]
        replicas = sum(d.replica_states.get("RUNNING", 0) for d in status.deployments.values())
        assert status.status == "RUNNING" and replicas == 2
        auth = {"Authorization": "Bearer t"}
        assert httpx.post(f"{url}/annotate", json={"texts": ["x"]}, timeout=30).status_code == 401
        answers = [httpx.post(f"{url}/annotate", json={"texts": [TRAIN[0][0]]}, headers=auth, timeout=60)
                   for _ in range(4)]
        for response in answers:
            assert ("BRCA1", "Gene") in {(m["text"], m["type"]) for m in response.json()["results"][0]["mentions"]}
        assert httpx.get(f"{url}/metadata", headers=auth, timeout=30).json()["tasks"] == ["ALL"]
    finally:
        serve.shutdown()
        ray.shutdown()
