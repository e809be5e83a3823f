"""The Doc extension attributes of spacy_aioner, installed once on import."""
from spacy.tokens import Doc

SPANS_KEY = "aioner"

DOC_EXTENSIONS = {
    "aioner_task": None,  # the AIO task of this document (overrides the pipe's task)
    "aioner_doc_id": None,  # source document id (PMID, PMCID, passage id)
    "aioner_passages": None,  # [{"offset", "start", "end", "infons"}]: source passages
    "aioner_doc_infons": None,  # BioC document infons
    "aioner_exact": None,  # {"start:end:label": [[src_start, src_end], ...]} for expanded spans
}


def install_extensions() -> None:
    """Register the Doc extensions if they are not registered yet."""
    for name, default in DOC_EXTENSIONS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)


install_extensions()
