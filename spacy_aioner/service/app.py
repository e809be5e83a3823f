"""The HTTP service: a FastAPI app around an AnnotationService and a MicroBatcher.

Bad input is answered 413 (over a limit) or 422 (what is wrong, and where); a full queue 503
with Retry-After. Only a fault of the service itself is a 500.
"""
import asyncio
import json
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Dict, List, Literal, Optional, Union

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, ValidationError

from ..annotation.settings import RunSettings, SettingsError
from ..corpora.formats import FORMATS
from .annotations import AnnotationService, BadInput
from .batcher import MicroBatcher, QueueFull


@dataclass
class Limits:
    """What one request may hold, and how requests are batched."""

    max_body_bytes: int = 2_000_000
    max_texts: int = 64
    max_batch: int = 32  # texts or documents per nlp.pipe batch
    max_wait: float = 0.005  # seconds the batcher waits for more requests of the same kind
    max_queue: int = 64  # requests waiting; one more is answered 503
    timeout: float = 120.0  # seconds a request may wait for its batch before a 503


class AnnotateRequest(BaseModel):
    """The body of ``POST /annotate``."""

    model_config = ConfigDict(extra="forbid")
    texts: List[str]
    task: Union[None, str, List[str]] = None
    min_score: Union[None, float, Dict[str, float]] = None
    render: bool = False
    format: Literal["json", "pubtator", "bioc"] = "json"


class HTTPProblem(Exception):
    """An answer other than 200, with its message (and headers)."""

    def __init__(self, status: int, detail: str, headers: Optional[dict] = None):
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


def create_app(service: AnnotationService, limits: Optional[Limits] = None, token: Optional[str] = None) -> FastAPI:
    """The app: ``/health``, ``/metadata``, ``/annotate``, ``/annotate/pubtator``,
    ``/annotate/bioc`` and the page at ``/``. With `token`, every endpoint but ``/health``
    needs ``Authorization: Bearer <token>`` (the page also takes ``?token=``)."""
    limits = limits or Limits()
    batcher = MicroBatcher(service.run, max_items=limits.max_batch, max_wait=limits.max_wait,
                           max_queue=limits.max_queue)
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        batcher.close()

    app = FastAPI(title="spacy-aioner", description="All-in-one biomedical NER", docs_url=None, redoc_url=None,
                  lifespan=lifespan)
    app.state.service, app.state.batcher, app.state.limits = service, batcher, limits

    @app.exception_handler(HTTPProblem)
    async def _problem(request: Request, problem: HTTPProblem):
        return JSONResponse({"detail": problem.detail}, status_code=problem.status, headers=problem.headers)

    @app.exception_handler(SettingsError)
    async def _bad_input(request: Request, err: SettingsError):
        return JSONResponse({"detail": str(err)}, status_code=422)

    def authorize(request: Request, query_token: Optional[str] = None) -> None:
        if token is None:
            return
        header = request.headers.get("authorization", "")
        given = header[7:] if header.lower().startswith("bearer ") else query_token
        if not given or not secrets.compare_digest(given.encode(), token.encode()):
            raise HTTPProblem(401, "a bearer token is required (Authorization: Bearer <token>)",
                              {"WWW-Authenticate": "Bearer"})

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limits.max_body_bytes:
            raise HTTPProblem(413, f"the body has {declared} bytes; the limit is {limits.max_body_bytes}")
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > limits.max_body_bytes:
                raise HTTPProblem(413, f"the body has more than {limits.max_body_bytes} bytes, the limit")
        return bytes(body)

    def check_count(count: int, what: str) -> None:
        if count > limits.max_texts:
            raise HTTPProblem(413, f"{count} {what}; at most {limits.max_texts} per request")

    async def annotate(settings: RunSettings, items: list, what: str) -> list:
        settings.check(service.nlp)  # only checks: the batcher's thread may be running the pipeline now
        service.check_texts(items, what)
        try:
            future = batcher.submit(settings, items)
        except QueueFull:
            raise HTTPProblem(503, "the service is busy; retry shortly", {"Retry-After": "1"}) from None
        try:
            docs = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout=limits.timeout)
        except asyncio.TimeoutError:
            future.cancel()  # dropped unless its batch already runs
            raise HTTPProblem(503, f"not annotated within {limits.timeout:g} s; retry later", {"Retry-After": "5"}) from None
        for i, doc in enumerate(docs):
            if isinstance(doc, Exception):
                raise BadInput(f"{what}[{i}] could not be annotated: {type(doc).__name__}: {doc}")
        return docs

    @app.get("/health")
    def health():
        return {"status": "ok", "pending": batcher.pending}

    @app.get("/metadata")
    def metadata(request: Request):
        authorize(request)
        return {**service.metadata(), "limits": limits.__dict__}

    @app.get("/", response_class=HTMLResponse)
    def page(request: Request, token_param: Optional[str] = Query(None, alias="token")):
        authorize(request, token_param)
        html = resources.files("spacy_aioner.service").joinpath("page.html").read_text(encoding="utf8")
        return HTMLResponse(html.replace("__TASKS__", json.dumps(service.metadata()["all_tasks"])))

    @app.post("/annotate")
    async def annotate_json(request: Request):
        authorize(request)
        body = await read_body(request)
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise BadInput(f"the body is not JSON: {err}") from None
        try:
            req = AnnotateRequest.model_validate(data)
        except ValidationError as err:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in err.errors())
            raise BadInput(f"the request does not fit the schema: {problems}") from None
        check_count(len(req.texts), "texts")
        docs = await annotate(RunSettings.parse(req.task, req.min_score), req.texts, "texts")
        if req.format != "json":
            return document_response(docs, req.format)
        results = []
        for doc in docs:
            result = {"text": doc.text, "mentions": service.mentions(doc)}
            if req.render:
                result["html"] = service.render(doc)
            results.append(result)
        return {"results": results}

    @app.post("/annotate/pubtator", response_class=PlainTextResponse)
    async def annotate_pubtator(request: Request, task: Optional[List[str]] = Query(None),
                                min_score: Optional[float] = Query(None)):
        authorize(request)
        return document_response(await annotate_documents(request, "pubtator", task, min_score), "pubtator")

    @app.post("/annotate/bioc")
    async def annotate_bioc(request: Request, task: Optional[List[str]] = Query(None),
                            min_score: Optional[float] = Query(None)):
        authorize(request)
        return document_response(await annotate_documents(request, "bioc", task, min_score), "bioc")

    async def annotate_documents(request: Request, fmt: str, task: Optional[List[str]], min_score: Optional[float]):
        body = await read_body(request)
        tasks = [t for value in task for t in value.split(",") if t] if task else None
        settings = RunSettings.parse(tasks, min_score)
        sources = service.read_documents(body, fmt)
        check_count(len(sources), "documents")
        return await annotate(settings, sources, "documents")

    def document_response(docs: list, fmt: str) -> Response:
        if FORMATS[fmt].binary:
            return Response(FORMATS[fmt].dumps(docs), media_type="application/xml")
        return PlainTextResponse(FORMATS[fmt].dumps(docs))

    return app
