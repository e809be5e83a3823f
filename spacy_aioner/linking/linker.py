"""The ``aioner_linker`` component: one knowledge base per entity type, so a Gene mention is
linked against genes only and a Species mention against taxa only.

For each mention of ``doc.spans["aioner"]`` (and so of ``doc.ents``), in order:
1. its long form, when scispaCy's ``abbreviation_detector`` ran and the mention is a short
   form, then its own text;
2. an alias lookup (case, spacing and hyphens folded; an alias of several concepts goes to the
   one the corpora name most often with it);
3. for variants, the rsID/HGVS normalizer;
4. scispaCy's TF-IDF character 3-gram candidate generator over the type's KB, the best
   candidate if its similarity reaches `threshold`.
The identifier goes to the span's ``kb_id_``, which the PubTator and BioC writers output.
"""
import json
import shutil
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import ensure_path, minibatch

from ..extensions import SPANS_KEY
from .lexicon import normalize_alias
from .variants import normalize_variant

PRIORS_FILE = "priors.json"


class TypeKB:
    """One type's KB folder (build_linker_kb's files plus priors.json), loaded on first use."""

    def __init__(self, directory: Union[str, Path], ef_search: int = 200):
        self.directory, self.ef_search = Path(directory), ef_search
        self._priors: Optional[Dict[str, List[list]]] = None
        self._exact: Optional[Dict[str, List[list]]] = None
        self._generator = None

    @property
    def priors(self) -> Dict[str, List[list]]:
        if self._priors is None:
            path = self.directory / PRIORS_FILE
            self._priors = json.loads(path.read_text(encoding="utf8")) if path.exists() else {}
        return self._priors

    def lookup(self, text: str, fold: bool = True) -> Optional[str]:
        """The most frequent concept of the alias `text`: case, spacing and hyphens folded, or
        (``fold=False``, the plain dictionary baseline) only lower-cased."""
        found = self.priors.get(normalize_alias(text)) if fold else self.exact.get(text.casefold())
        return found[0][0] if found else None

    @property
    def exact(self) -> Dict[str, List[list]]:
        """Per lower-cased alias, its concepts by how often the corpora name them with it."""
        if self._exact is None:
            named: Dict[str, Dict[str, int]] = {}
            for line in (self.directory / "kb.jsonl").read_text(encoding="utf8").splitlines():
                concept = json.loads(line)
                for alias in {concept["canonical_name"], *concept.get("aliases", [])}:
                    prior = dict(self.priors.get(normalize_alias(alias), []))
                    named.setdefault(alias.casefold(), {})[concept["concept_id"]] = prior.get(concept["concept_id"], 1)
            self._exact = {alias: sorted(([c, n] for c, n in counts.items()), key=lambda item: -item[1])
                           for alias, counts in named.items()}
        return self._exact

    def candidates(self, texts: List[str], k: int) -> List[List[Tuple[str, float]]]:
        """Per text, (concept, best alias similarity) of the k nearest aliases, best first."""
        if not texts or not (self.directory / "nmslib_index.bin").exists():
            return [[] for _ in texts]
        if self._generator is None:
            from scispacy.candidate_generation import (CandidateGenerator, LinkerPaths,
                                                       load_approximate_nearest_neighbours_index)
            from scispacy.linking_utils import KnowledgeBase
            import joblib

            paths = LinkerPaths.from_directory(str(self.directory))
            self._generator = CandidateGenerator(
                ann_index=load_approximate_nearest_neighbours_index(paths, ef_search=self.ef_search),
                tfidf_vectorizer=joblib.load(paths.tfidf_vectorizer),
                ann_concept_aliases_list=json.loads(Path(paths.concept_aliases_list).read_text(encoding="utf8")),
                kb=KnowledgeBase(str(self.directory / "kb.jsonl")),
            )
        out = []
        for found in self._generator(texts, k):
            ranked = sorted(((c.concept_id, max(c.similarities)) for c in found), key=lambda x: -x[1])
            out.append(ranked)
        return out


class AIONERLinker:
    """Links the aioner mentions of each type against that type's KB (see the module doc)."""

    def __init__(self, name: str, kbs: Dict[str, str], *, threshold: float = 0.8, k: int = 10,
                 spans_key: str = SPANS_KEY, resolve_abbreviations: bool = True, fold: bool = True,
                 use_ann: bool = True, normalize_variants: bool = True):
        self.name, self.spans_key, self.threshold, self.k = name, spans_key, threshold, k
        self.resolve_abbreviations, self.fold, self.use_ann = resolve_abbreviations, fold, use_ann
        self.normalize_variants = normalize_variants
        self.kbs = {etype: TypeKB(path) for etype, path in kbs.items()}

    def __call__(self, doc: Doc) -> Doc:
        return self._link([doc])[0]

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for batch in minibatch(docs, size=batch_size):
            yield from self._link(list(batch))

    def link_texts(self, entity_type: str, texts: List[List[str]]) -> List[Optional[str]]:
        """For each mention (its texts to try, in order), the identifier or None."""
        kb = self.kbs.get(entity_type)
        ids: List[Optional[str]] = []
        for tries in texts:
            found = None
            for text in tries:
                found = kb.lookup(text, self.fold) if kb is not None else None
                if found is None and entity_type == "Variant" and self.normalize_variants:
                    found = normalize_variant(text)
                if found:
                    break
            ids.append(found)
        if kb is not None and self.use_ann:
            todo = [i for i, found in enumerate(ids) if found is None]
            queries = [texts[i][0] for i in todo]
            for i, ranked in zip(todo, kb.candidates(queries, self.k)):
                if ranked and ranked[0][1] >= self.threshold:
                    ids[i] = ranked[0][0]
        return ids

    def _link(self, docs: List[Doc]) -> List[Doc]:
        work: Dict[str, List[Tuple[int, int, List[str]]]] = {}
        for d, doc in enumerate(docs):
            if self.spans_key not in doc.spans:
                continue
            long_forms = self._long_forms(doc)
            for s, span in enumerate(doc.spans[self.spans_key]):
                tries = [long_forms[(span.start, span.end)]] if (span.start, span.end) in long_forms else []
                work.setdefault(span.label_, []).append((d, s, tries + [span.text]))
        found: Dict[int, Dict[int, str]] = {}  # doc -> span -> identifier
        for entity_type, items in work.items():
            for (d, s, _), identifier in zip(items, self.link_texts(entity_type, [tries for _, _, tries in items])):
                if identifier:
                    found.setdefault(d, {})[s] = identifier
        for d, identifiers in found.items():  # documents with nothing linked stay as they are
            set_identifiers(docs[d], self.spans_key, identifiers)
        return docs

    def _long_forms(self, doc: Doc) -> Dict[Tuple[int, int], str]:
        if not self.resolve_abbreviations or not Doc.has_extension("abbreviations"):
            return {}
        return {(short.start, short.end): str(short._.long_form) for short in doc._.abbreviations or []
                if Span.has_extension("long_form") and short._.long_form is not None}

    # -- serialization: the KB folders travel with the pipeline ----------------------------
    def to_disk(self, path, *, exclude=tuple()):
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        for etype, kb in self.kbs.items():
            target = path / etype
            if target.resolve() != kb.directory.resolve():
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(kb.directory, target)
        (path / "types.json").write_text(json.dumps(sorted(self.kbs)), encoding="utf8")

    def from_disk(self, path, *, exclude=tuple()):
        path = ensure_path(path)
        self.kbs = {etype: TypeKB(path / etype) for etype in json.loads((path / "types.json").read_text(encoding="utf8"))}
        return self


def set_identifiers(doc: Doc, spans_key: str, identifiers: Dict[int, str]) -> None:
    """Give the spans of the group (by index) their identifiers, keeping the group's attrs, and
    the same to the matching ``doc.ents``."""
    group = doc.spans[spans_key]
    attrs = dict(group.attrs)
    spans = [Span(doc, s.start, s.end, s.label, kb_id=identifiers.get(i, s.kb_id_)) for i, s in enumerate(group)]
    doc.spans[spans_key] = spans
    doc.spans[spans_key].attrs.update(attrs)
    by_offsets = {(s.start, s.end, s.label_): s.kb_id_ for s in spans}
    doc.ents = [Span(doc, e.start, e.end, e.label, kb_id=by_offsets.get((e.start, e.end, e.label_), e.kb_id_))
                for e in doc.ents]


@Language.factory(
    "aioner_linker",
    default_config={"kbs": {}, "threshold": 0.8, "k": 10, "spans_key": SPANS_KEY, "resolve_abbreviations": True,
                    "fold": True, "use_ann": True, "normalize_variants": True},
)
def make_aioner_linker(nlp: Language, name: str, kbs: Dict[str, str], threshold: float, k: int, spans_key: str,
                       resolve_abbreviations: bool, fold: bool, use_ann: bool, normalize_variants: bool) -> AIONERLinker:
    """Per-type linking of the aioner mentions; `kbs` maps a type to its KB folder."""
    return AIONERLinker(name, kbs, threshold=threshold, k=k, spans_key=spans_key,
                        resolve_abbreviations=resolve_abbreviations, fold=fold, use_ann=use_ann,
                        normalize_variants=normalize_variants)


def build_type_kb(concepts: Union[str, Path], output_dir: Union[str, Path]) -> Path:
    """A type's KB folder: scispaCy's index files of the concept JSONL, and its priors (from
    ``<concepts>.priors.json`` if the lexicon builder wrote one, else one count per alias)."""
    from ..scispacy.linking import build_linker_kb
    from .lexicon import priors_path, write_priors

    output_dir = build_linker_kb(concepts, output_dir)
    if priors_path(concepts).exists():
        shutil.copyfile(priors_path(concepts), output_dir / PRIORS_FILE)
    else:
        write_priors(concepts, output_dir / PRIORS_FILE)
    return output_dir


def add_type_linkers(nlp: Language, concepts: Dict[str, Union[str, Path]], kb_root: Union[str, Path],
                     **config) -> AIONERLinker:
    """Build a KB per type from its concept JSONL under `kb_root`, and add ``aioner_linker``
    last in `nlp` (after the abbreviation step, if there)."""
    kbs = {etype: str(build_type_kb(path, Path(kb_root) / etype)) for etype, path in concepts.items()}
    return nlp.add_pipe("aioner_linker", config={"kbs": kbs, **config})
