"""Concept files (scispaCy's JSONL) from what is at hand offline: the identifiers the training
corpora give their mentions.

Each line: ``{"concept_id", "canonical_name", "aliases", "types", "definition"}``; the canonical
name is the concept's most frequent mention, the aliases all its mention strings. Beside each
file, ``<file>.priors.json`` keeps, per normalized alias, the concepts it named with counts,
so an alias shared by concepts (``p53``: human or mouse gene) goes to the most frequent one.
Documents whose ids are held out (the dev splits) are never read into a lexicon.
"""
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Union

from ..corpora.formats import read_corpus

ID_SEPARATORS = re.compile(r"[,;|]")  # "1508,836,841": one mention, several concepts


def normalize_alias(text: str) -> str:
    """Case, spacing and hyphen variants of a name made one key: ``Type-II  Diabetes`` -> ``type ii diabetes``."""
    return " ".join(re.sub(r"[-_/]", " ", text.casefold()).split())


def split_identifiers(identifier: str, entity_type: str) -> List[str]:
    """The concepts of an identifier field; variants keep theirs whole (tmVar keys contain ``|``)."""
    if entity_type == "Variant":
        return [part.strip() for part in identifier.split(";") if part.strip() and part.strip() != "-"]
    return [part.strip() for part in ID_SEPARATORS.split(identifier) if part.strip() and part.strip() != "-"]


class Lexicon:
    """Mention strings per (type, concept), counted."""

    def __init__(self):
        self.names: Dict[str, Dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))

    def add(self, entity_type: str, identifier: str, text: str) -> None:
        for concept in split_identifiers(identifier, entity_type):
            self.names[entity_type][concept][text] += 1

    def add_corpus(self, path: Union[str, Path], type_map: Dict[str, str], exclude_ids: Set[str]) -> int:
        """Add the mentions of a corpus file whose type maps to one of ours; documents in
        `exclude_ids` are skipped. Returns the mentions added."""
        added = 0
        for doc in read_corpus(path, lenient=True):
            if doc.id in exclude_ids:
                continue
            for mention in doc.mentions:
                entity_type = type_map.get(mention.type)
                if entity_type and mention.identifier:
                    self.add(entity_type, mention.identifier, mention.text)
                    added += 1
        return added

    def concepts(self, entity_type: str) -> Iterable[dict]:
        for concept, names in sorted(self.names[entity_type].items()):
            yield {"concept_id": concept, "canonical_name": names.most_common(1)[0][0],
                   "aliases": sorted(names), "types": [entity_type]}

    def priors(self, entity_type: str) -> Dict[str, List[list]]:
        by_alias: Dict[str, Counter] = defaultdict(Counter)
        for concept, names in self.names[entity_type].items():
            for text, count in names.items():
                by_alias[normalize_alias(text)][concept] += count
        return {alias: [[c, n] for c, n in counts.most_common()] for alias, counts in sorted(by_alias.items())}

    def write(self, entity_type: str, path: Union[str, Path]) -> Path:
        """Write the type's concepts to `path` (JSONL) and its priors beside it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf8") as out:
            for concept in self.concepts(entity_type):
                out.write(json.dumps(concept, ensure_ascii=False) + "\n")
        priors_path(path).write_text(json.dumps(self.priors(entity_type), ensure_ascii=False), encoding="utf8")
        return path


def priors_path(concepts: Union[str, Path]) -> Path:
    concepts = Path(concepts)
    return concepts.with_name(concepts.name + ".priors.json")


def write_priors(concepts: Union[str, Path], path: Optional[Union[str, Path]] = None) -> Path:
    """Priors of a concept file with no counts (a converted dump): each alias names its concepts once."""
    by_alias: Dict[str, Counter] = defaultdict(Counter)
    with open(concepts, encoding="utf8") as stream:
        for line in stream:
            concept = json.loads(line)
            for alias in {concept["canonical_name"], *concept.get("aliases", [])}:
                by_alias[normalize_alias(alias)][concept["concept_id"]] += 1
    out = Path(path) if path else priors_path(concepts)
    out.write_text(json.dumps({a: [[c, n] for c, n in counts.most_common()] for a, counts in by_alias.items()}),
                   encoding="utf8")
    return out


def build_corpus_lexicon(corpus_dir: Union[str, Path], entries, exclude_ids: Set[str]) -> Lexicon:
    """The lexicon of the manifest `entries`' files in `corpus_dir` (missing files skipped),
    leaving out the documents in `exclude_ids`."""
    lexicon = Lexicon()
    for entry in entries:
        path = Path(corpus_dir) / entry.file
        if path.exists():
            lexicon.add_corpus(path, entry.type_map, exclude_ids)
    return lexicon


def merge_concept_files(paths: List[Path], output: Path) -> Path:
    """One concept file of several (a type's lexicon and a dump, say): a concept in both gets
    the aliases of both; priors are added up."""
    merged: Dict[str, dict] = {}
    priors: Dict[str, Counter] = defaultdict(Counter)
    for path in paths:
        with open(path, encoding="utf8") as stream:
            for line in stream:
                concept = json.loads(line)
                known = merged.setdefault(concept["concept_id"], {**concept, "aliases": []})
                known["aliases"] = sorted(set(known["aliases"]) | set(concept.get("aliases", [])))
        if not priors_path(path).exists():
            write_priors(path)
        for alias, counts in json.loads(priors_path(path).read_text(encoding="utf8")).items():
            for concept, count in counts:
                priors[alias][concept] += count
    with open(output, "w", encoding="utf8") as out:
        for concept in merged.values():
            out.write(json.dumps(concept, ensure_ascii=False) + "\n")
    priors_path(output).write_text(json.dumps({a: [[c, n] for c, n in counts.most_common()]
                                               for a, counts in priors.items()}), encoding="utf8")
    return output
