"""The Doc extension attributes of spacy_aioner, installed once on import."""
from typing import List, Sequence

from spacy.tokens import Doc

SPANS_KEY = "aioner"

DOC_EXTENSIONS = {
    "aioner_task": None,  # the AIO task of this document (its gold's task; overrides the pipe's)
    "aioner_tasks": None,  # the tasks a run annotates this document under (overrides both)
    "aioner_min_score": None,  # the threshold a run applies to this document (overrides the pipe's)
    "aioner_doc_id": None,  # source document id (PMID, PMCID, passage id)
    "aioner_passages": None,  # [{"offset", "start", "end", "infons"}]: source passages
    "aioner_doc_infons": None,  # BioC document infons
    "aioner_exact": None,  # {"start:end:label": [[src_start, src_end], ...]} for expanded spans
}


def doc_tasks(doc: Doc, default: Sequence[str]) -> List[str]:
    """The tasks `doc` is annotated under, first the one of the shared encoder pass: the run's
    (``aioner_tasks``), else the document's own (``aioner_task``), else `default`."""
    if doc._.aioner_tasks:
        return list(doc._.aioner_tasks)
    return [doc._.aioner_task] if doc._.aioner_task else list(default)


def install_extensions() -> None:
    """Register the Doc extensions if they are not registered yet."""
    for name, default in DOC_EXTENSIONS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)


install_extensions()
