"""Offline entity linking with scispaCy: a knowledge base and its TF-IDF + HNSW index built
from a user's JSONL concept file, registered under a name for ``scispacy_linker``.

scispaCy's own KBs (UMLS, MeSH, ...) are downloaded on first use, and its index builder
keeps only character 3-grams seen in 10 aliases (``min_df=10``), which empties a small KB.
This builder follows the same file layout (so scispaCy's ``LinkerPaths`` read it) with
``min_df=1``. Each JSONL line is a scispaCy entity:
``{"concept_id": ..., "canonical_name": ..., "aliases": [...], "types": [...], "definition": ...}``.
"""
import json
import shutil
from pathlib import Path
from typing import Callable, Union

import joblib
import numpy
import scipy.sparse
from spacy.language import Language
from spacy.util import registry

KB_FILE = "kb.jsonl"


def build_linker_kb(concepts: Union[str, Path], output_dir: Union[str, Path], *, m: int = 32,
                    ef_construction: int = 200) -> Path:
    """Build the KB folder (kb.jsonl, TF-IDF vectorizer and vectors, aliases, HNSW index)."""
    import nmslib
    from scispacy.linking_utils import KnowledgeBase
    from sklearn.feature_extraction.text import TfidfVectorizer

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    kb = KnowledgeBase(str(concepts))  # validates the file
    aliases = sorted(kb.alias_to_cuis)
    if not aliases:
        raise ValueError(f"{concepts}: no concept aliases")
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), min_df=1, dtype=numpy.float32)
    vectors = vectorizer.fit_transform(aliases)
    keep = numpy.asarray(vectors.sum(axis=1)).reshape(-1) != 0
    aliases = [alias for alias, k in zip(aliases, keep) if k]
    vectors = vectors[keep]
    index = nmslib.init(method="hnsw", space="cosinesimil_sparse", data_type=nmslib.DataType.SPARSE_VECTOR)
    index.addDataPointBatch(vectors)
    index.createIndex({"M": m, "indexThreadQty": 1, "efConstruction": ef_construction, "post": 0})
    index.saveIndex(str(output_dir / "nmslib_index.bin"))
    joblib.dump(vectorizer, output_dir / "tfidf_vectorizer.joblib")
    scipy.sparse.save_npz(output_dir / "tfidf_vectors_sparse.npz", vectors.astype(numpy.float32))  # scipy >= 1.11 has no float16
    (output_dir / "concept_aliases.json").write_text(json.dumps(aliases), encoding="utf8")
    if Path(concepts).resolve() != (output_dir / KB_FILE).resolve():
        shutil.copyfile(concepts, output_dir / KB_FILE)
    return output_dir


def register_linker_kb(name: str, directory: Union[str, Path]) -> None:
    """Make ``scispacy_linker`` with ``linker_name=name`` use the KB folder `directory`."""
    import scispacy.abbreviation  # noqa: F401  (scispaCy registers its factories on import only,
    import scispacy.linking  # noqa: F401  so a saved chain then loads with no import)
    from scispacy import candidate_generation
    from scispacy.candidate_generation import LinkerPaths
    from scispacy.linking_utils import KnowledgeBase

    directory = Path(directory).resolve()
    if not (directory / KB_FILE).exists():
        raise FileNotFoundError(f"{directory}: not a KB folder made by build_linker_kb ({KB_FILE} missing)")
    candidate_generation.DEFAULT_PATHS[name] = LinkerPaths.from_directory(str(directory))

    class LocalKnowledgeBase(KnowledgeBase):
        def __init__(self, file_path: str = str(directory / KB_FILE)):
            super().__init__(file_path)

    candidate_generation.DEFAULT_KNOWLEDGE_BASES[name] = LocalKnowledgeBase


@registry.callbacks("spacy-aioner.register_linker_kb.v1")
def create_kb_registration(name: str, path: str) -> Callable:
    """``[nlp.before_creation]`` callback: registers the KB whenever the pipeline is built or
    loaded, so a saved pipeline with a ``scispacy_linker`` loads in a new process."""

    def register(lang_cls):
        register_linker_kb(name, path)
        return lang_cls

    return register


def add_offline_linker(nlp: Language, name: str, kb_dir: Union[str, Path], **linker_config) -> Language:
    """Register the KB, record the registration in ``nlp.config`` (so it is saved) and add
    ``scispacy_linker`` with ``linker_name=name``; returns the linker pipe."""
    register_linker_kb(name, kb_dir)
    nlp.config["nlp"]["before_creation"] = {
        "@callbacks": "spacy-aioner.register_linker_kb.v1", "name": name, "path": str(Path(kb_dir).resolve()),
    }
    return nlp.add_pipe("scispacy_linker", config={"linker_name": name, **linker_config})
