"""The service on Ray Serve: each replica loads the pipeline and serves the same FastAPI app
(with its own micro-batcher), so a cluster scales it out by `replicas`."""
from typing import Optional

from ray import serve

from .annotations import AnnotationService
from .app import Limits, create_app


@serve.deployment
@serve.ingress()
class AionerReplica:
    """One replica: a loaded pipeline behind the app."""

    def __init__(self, model: str, quantize: Optional[str], threads: int, limits: Limits, token: Optional[str]):
        self.service = AnnotationService(model, quantize=quantize, threads=threads)
        self.limits, self.token = limits, token

    def __serve_build_asgi_app__(self):
        return create_app(self.service, self.limits, self.token)


def run_on_ray(model: str, *, replicas: int, host: str, port: int, quantize: Optional[str] = None,
               threads: int = 0, limits: Optional[Limits] = None, token: Optional[str] = None,
               address: Optional[str] = None, blocking: bool = True) -> None:
    """Start (or join, with `address`) Ray, then serve `replicas` replicas at host:port."""
    import ray

    ray.init(address=address, ignore_reinit_error=True, include_dashboard=False)
    serve.start(http_options={"host": host, "port": port})
    deployment = AionerReplica.options(num_replicas=replicas)
    serve.run(deployment.bind(model, quantize, threads, limits or Limits(), token), name="aioner",
              route_prefix="/", blocking=blocking)
