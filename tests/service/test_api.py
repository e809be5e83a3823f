"""Every endpoint of the service and every answer to bad input, on the tests' small pipeline,
through FastAPI's test client; after each bad request the service still answers."""
import threading

import bioc
import pytest

from spacy_aioner.annotation.settings import RunSettings
from spacy_aioner.corpora.pubtator import read_pubtator
from spacy_aioner.service.annotations import AnnotationService
from tests.conftest import CORPORA, assert_same_alone_and_in_threads, corpus_file, pubtator_blocks
from tests.pipeline.conftest import TRAIN

SENTENCE = TRAIN[0][0]  # "BRCA1 mutation causes breast cancer in human patients."


def still_serves(client):
    response = client.post("/annotate", json={"texts": [SENTENCE]})
    assert response.status_code == 200 and response.json()["results"][0]["mentions"]


def test_health_and_metadata(make_client):
    client = make_client()
    assert client.get("/health").json()["status"] == "ok"
    meta = client.get("/metadata").json()
    assert meta["tasks"] == ["ALL"] and "Gene" in meta["labels"] and "CellLine" in meta["all_tasks"]
    assert meta["quantize"] is None and meta["encoder"] and meta["limits"]["max_texts"] == 64
    assert meta["pipeline"] == ["aioner_transformer", "aioner"]


def test_annotate_gives_the_pipelines_mentions(make_client, service):
    client = make_client()
    response = client.post("/annotate", json={"texts": [SENTENCE, TRAIN[1][0]], "render": True})
    assert response.status_code == 200
    results = response.json()["results"]
    direct = [service.nlp(text) for text in (SENTENCE, TRAIN[1][0])]
    for result, doc in zip(results, direct):
        group = doc.spans["aioner"]
        assert [(m["start"], m["end"], m["type"]) for m in result["mentions"]] == [
            (s.start_char, s.end_char, s.label_) for s in group]
        assert [m["score"] for m in result["mentions"]] == pytest.approx(group.attrs["scores"], abs=1e-5)
        for m in result["mentions"]:
            assert result["text"][m["start"]:m["end"]] == m["text"] and m["tasks"] == ["ALL"] and m["kept"]
        assert {(m["text"], m["type"]) for m in result["mentions"] if m["in_ents"]} == {
            (e.text, e.label_) for e in doc.ents}
    assert ("BRCA1", "Gene") in {(m["text"], m["type"]) for m in results[0]["mentions"]}
    html = results[0]["html"]
    assert "BRCA1" in html and "Gene" in html and "<link" not in html and "<script" not in html


def test_task_choice_and_min_score(make_client):
    client = make_client()
    gene = client.post("/annotate", json={"texts": [SENTENCE], "task": "Gene"}).json()["results"][0]
    assert {m["type"] for m in gene["mentions"]} == {"Gene"} and {tuple(m["tasks"]) for m in gene["mentions"]} == {("Gene",)}
    two = client.post("/annotate", json={"texts": [SENTENCE], "task": ["Disease", "Gene"]}).json()["results"][0]
    assert {t for m in two["mentions"] for t in m["tasks"]} == {"Disease", "Gene"}
    strict = client.post("/annotate", json={"texts": [SENTENCE], "min_score": 1.0}).json()["results"][0]
    assert strict["mentions"] and not any(m["in_ents"] or m["kept"] for m in strict["mentions"])
    per_type = client.post("/annotate", json={"texts": [SENTENCE], "min_score": {"Gene": 1.0}}).json()["results"][0]
    assert {m["type"] for m in per_type["mentions"] if m["in_ents"]} == {"Disease", "Species"}
    text = client.post("/annotate", json={"texts": [SENTENCE], "min_score": 1.0, "format": "pubtator"}).text
    assert text.count("\n") == 3  # title, empty abstract, blank line: no mention line
    # the pipeline's own settings are back for the next request
    again = client.post("/annotate", json={"texts": [SENTENCE]}).json()["results"][0]
    assert {m["type"] for m in again["mentions"] if m["in_ents"]} == {"Gene", "Disease", "Species"}


def test_pubtator_in_pubtator_out(make_client, tmp_path):
    client = make_client()
    blocks = pubtator_blocks(corpus_file("pubtator", "BioRED_TrainDev.PubTator"), [0, 1])
    response = client.post("/annotate/pubtator?task=Gene,Disease", content="\n".join(blocks).encode())
    assert response.status_code == 200
    out = tmp_path / "out.PubTator"
    out.write_text(response.text, encoding="utf8")
    docs = list(read_pubtator(out))
    assert [d.id for d in docs] == [b.split("|")[0] for b in blocks]
    assert all(m.type in {"Gene", "Disease"} for d in docs for m in d.mentions)
    sources = list(read_pubtator(corpus_file("pubtator", "BioRED_TrainDev.PubTator")))[:2]
    assert [[p.text for p in d.passages] for d in docs] == [[p.text for p in s.passages] for s in sources]


def test_bioc_in_bioc_out(make_client):
    client = make_client()
    body = (CORPORA / "examples" / "ex2.BioC.xml").read_bytes()
    response = client.post("/annotate/bioc", content=body)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    collection = bioc.loads(response.text)
    source = bioc.loads(body.decode("utf8"))
    assert [d.id for d in collection.documents] == [d.id for d in source.documents]
    annotations = [a for d in collection.documents for p in d.passages for a in p.annotations]
    assert annotations and all(a.infons["type"] in {"Gene", "Chemical", "Disease", "Species", "Variant", "CellLine"}
                               for a in annotations)


def test_concurrent_requests_with_different_tasks_get_their_own(make_client):
    """Requests with different tasks, sent at once from two threads to one service, each get
    exactly what they get alone."""
    client = make_client()
    bodies = {"Gene": {"texts": [t for t, _, _ in TRAIN], "task": "Gene"},
              "Disease+Chemical": {"texts": [t for t, _, _ in TRAIN], "task": ["Disease", "Chemical"]}}

    def ask(body):
        response = client.post("/annotate", json=body)
        assert response.status_code == 200, response.text
        return [[(m["start"], m["end"], m["type"], m["tasks"]) for m in r["mentions"]] for r in response.json()["results"]]

    assert_same_alone_and_in_threads(ask, bodies)


@pytest.mark.parametrize("body, problem", [
    (b"{not json", "the body is not JSON"),
    (b'{"text": ["a"]}', "texts: Field required"),
    (b'{"texts": ["a"], "colour": 1}', "colour: Extra inputs are not permitted"),
    (b'{"texts": "BRCA1"}', "texts: Input should be a valid list"),
    (b'{"texts": ["a"], "task": "Protein"}', "'Protein' is not a task"),
    (b'{"texts": ["a"], "task": []}', "an empty list is not a task"),
    (b'{"texts": ["a"], "task": ["Gene", "Gene"]}', "names a task twice"),
    (b'{"texts": ["a"], "min_score": 1.5}', "min_score: 1.5 is not in [0, 1]"),
    (b'{"texts": ["a"], "min_score": {"Protein": 0.5}}', "unknown types ['Protein']"),
    (b"\xff\xfe", "the body is not JSON"),
])
def test_bad_json_requests_are_422_and_say_why(make_client, body, problem):
    client = make_client()
    response = client.post("/annotate", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422 and problem in response.json()["detail"], response.text
    still_serves(client)


@pytest.mark.parametrize("endpoint, body, problem", [
    ("/annotate/pubtator", "1|t|Title\n1\t0\tx\t1\tGene\n", "pubtator body, line 2, document '1'"),
    ("/annotate/pubtator", "1|a|no title\n", "line 1, document '1': abstract line without its title line"),
    ("/annotate/pubtator", "", "pubtator body: no documents in it"),
    ("/annotate/pubtator?task=Protein", "1|t|Title\n1|a|Text\n", "'Protein' is not a task"),
    ("/annotate/bioc", "<collection><document>", "bioc body"),
    ("/annotate/bioc", "not xml at all", "malformed BioC XML"),
])
def test_bad_pubtator_and_bioc_bodies_are_422_naming_the_line(make_client, endpoint, body, problem):
    client = make_client()
    response = client.post(endpoint, content=body.encode())
    assert response.status_code == 422 and problem in response.json()["detail"], response.text
    still_serves(client)


def test_limits_are_413_with_the_limit(make_client):
    client = make_client(max_body_bytes=2000, max_texts=3)
    response = client.post("/annotate", json={"texts": ["x" * 3000]})
    assert response.status_code == 413 and "the limit is 2000" in response.json()["detail"]
    response = client.post("/annotate", json={"texts": ["a", "b", "c", "d"]})
    assert response.status_code == 413 and "4 texts; at most 3 per request" in response.json()["detail"]
    blocks = "".join(f"{i}|t|T\n{i}|a|A\n\n" for i in range(4))
    response = client.post("/annotate/pubtator", content=blocks.encode())
    assert response.status_code == 413 and "4 documents; at most 3" in response.json()["detail"]
    still_serves(client)


def test_a_text_over_max_length_is_422(make_client, service):
    client = make_client(max_body_bytes=10 ** 7)
    saved = service.nlp.max_length
    service.nlp.max_length = 100
    try:
        response = client.post("/annotate", json={"texts": ["short", "y" * 101]})
    finally:
        service.nlp.max_length = saved
    assert response.status_code == 422 and "texts[1]: 101 characters" in response.json()["detail"]


def test_token_guards_every_endpoint_but_health(make_client):
    client = make_client(token="s3cret")
    assert client.get("/health").status_code == 200
    for method, path in [("get", "/metadata"), ("get", "/"), ("post", "/annotate"), ("post", "/annotate/pubtator"),
                         ("post", "/annotate/bioc")]:
        response = getattr(client, method)(path, headers={"Authorization": "Bearer wrong"})
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    auth = {"Authorization": "Bearer s3cret"}
    assert client.post("/annotate", json={"texts": [SENTENCE]}, headers=auth).status_code == 200
    assert client.get("/metadata", headers=auth).status_code == 200
    assert client.get("/?token=s3cret").status_code == 200 and client.get("/?token=nope").status_code == 401


def test_page_is_self_contained(make_client):
    html = make_client().get("/").text
    assert '<textarea id="text"' in html and '"CellLine"' in html
    assert "http://" not in html and "https://" not in html  # nothing fetched from elsewhere


class HeldService(AnnotationService):
    """The real service whose batches wait for `release`: lets a test fill the queue."""

    def __init__(self, model):
        super().__init__(model)
        self.release = threading.Event()

    def run(self, key, items):
        self.release.wait(30)
        return super().run(key, items)


def test_a_full_queue_is_503_with_retry_after_never_a_hang(make_client, pipeline_dir):
    held = HeldService(str(pipeline_dir))
    client = make_client(service_=held, max_queue=1, max_wait=0.0)
    batcher = client.app.state.batcher
    running = batcher.submit(RunSettings(), [SENTENCE])  # taken by the worker, which waits
    for _ in range(200):
        if batcher.pending == 0:
            break
        threading.Event().wait(0.01)
    waiting = batcher.submit(RunSettings(), [SENTENCE])  # fills the queue of one
    response = client.post("/annotate", json={"texts": [SENTENCE]})
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    held.release.set()
    assert len(running.result(30)) == len(waiting.result(30)) == 1
    still_serves(client)


def test_a_request_waiting_too_long_is_503(make_client, pipeline_dir):
    held = HeldService(str(pipeline_dir))
    client = make_client(service_=held, timeout=0.5)
    response = client.post("/annotate", json={"texts": [SENTENCE]})
    assert response.status_code == 503 and "not annotated within 0.5 s" in response.json()["detail"]
    held.release.set()
    still_serves(client)


def test_mentions_added_by_the_abbreviation_step_are_answered(make_client, pipeline_dir, tmp_path):
    """The packaged pipeline's abbreviation step adds mentions no task pass found (they carry the
    score of the mention that decided their type): the service answers them with that score and
    tasks [] instead of failing the request."""
    pytest.importorskip("scispacy")
    import spacy

    from spacy_aioner.scispacy import add_abbreviation_step

    nlp = add_abbreviation_step(spacy.load(pipeline_dir))
    nlp.to_disk(tmp_path / "with_abbreviations")
    text = "BRCA1 mutation causes breast cancer (BC) in human patients. BC is common."
    doc = nlp(text)
    group = doc.spans["aioner"]
    added = [(span.start_char, span.end_char) for span, tasks in zip(group, group.attrs["tasks"]) if tasks is None]
    assert added, "the abbreviation step added no mention: the test sentence no longer exercises it"
    client = make_client(service_=AnnotationService(str(tmp_path / "with_abbreviations")))
    response = client.post("/annotate", json={"texts": [text], "render": True})
    assert response.status_code == 200, response.text
    mentions = response.json()["results"][0]["mentions"]
    answered = [(m["start"], m["end"]) for m in mentions if m["tasks"] == []]
    assert answered == added
    assert all(isinstance(m["score"], float) for m in mentions)
    still_serves(client)
