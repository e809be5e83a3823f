import os

import pytest

pytest.importorskip("fastapi", reason="the service needs the serve extra: pip install -e '.[serve,test]'")


@pytest.fixture(scope="session")
def pipeline_dir(trained_pipeline, tmp_path_factory):
    """The tests' small trained pipeline (tiny BERT), saved as a pipeline folder."""
    path = tmp_path_factory.mktemp("service") / "pipeline"
    trained_pipeline.to_disk(path)
    return path


@pytest.fixture(scope="session")
def service(pipeline_dir):
    """The service on the small pipeline, or on AIONER_SERVE_MODEL (a trained one, for the
    README's screenshot)."""
    from spacy_aioner.service.annotations import AnnotationService

    return AnnotationService(os.environ.get("AIONER_SERVE_MODEL") or str(pipeline_dir))


@pytest.fixture
def make_client(service):
    """A TestClient on an app of `service` with the given limits and token; closed after the test."""
    from fastapi.testclient import TestClient

    from spacy_aioner.service.app import Limits, create_app

    clients = []

    def make(token=None, service_=None, **limits):
        client = TestClient(create_app(service_ or service, Limits(**limits), token))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
