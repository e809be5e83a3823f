"""Format-neutral records of a source document, as readers parse them and writers emit them."""
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional


class CorpusFormatError(ValueError):
    """Bad input in a corpus file; the message names the file, line and document."""

    def __init__(self, path: Path, line: Optional[int], doc_id: Optional[str], problem: str):
        self.path, self.line, self.doc_id, self.problem = path, line, doc_id, problem
        where = f"{path}" + (f", line {line}" if line is not None else "")
        where += f", document {doc_id!r}" if doc_id is not None else ""
        super().__init__(f"{where}: {problem}")


@dataclass
class Mention:
    """One annotated mention with document-level character offsets (as in the source)."""

    start: int
    end: int
    text: str
    type: str
    identifier: str = ""
    line: Optional[int] = None


@dataclass
class Passage:
    """A passage (title, abstract, section paragraph) at its source offset."""

    offset: int
    text: str
    infons: Dict[str, str] = field(default_factory=dict)


@dataclass
class SourceDocument:
    """A document as it stands in the source file."""

    id: str
    passages: List[Passage]
    mentions: List[Mention] = field(default_factory=list)
    infons: Dict[str, str] = field(default_factory=dict)
    path: Path = Path("<memory>")
    line: Optional[int] = None
    task: Optional[str] = None


@dataclass
class CorpusReport:
    """What reading (and converting) one corpus file found, per task: counts, drops and warnings;
    ``mentions_read == in_spans + dropped``."""

    path: str
    task: str
    missing: bool = False  # the file was not there and the conversion skipped it
    removed_output: str = ""  # the skipped line's DocBin from an earlier conversion, removed
    documents: int = 0
    empty_documents: int = 0
    dev_documents: int = 0  # held out as this file's dev split (BioRED's dev.spacy, or dev/<file>.<task>.spacy)
    written_documents: int = 0  # to train + dev DocBins: empty, dev-overlap, excluded and capped-out ones are not
    written_tokens: int = 0  # tokens of the written documents
    written_mentions: int = 0  # spans of the written documents (a cap keeps fewer than in_spans)
    dev_overlap: int = 0  # training documents left out because the dev set has them
    dev_overlap_example: str = ""
    excluded: int = 0  # training documents left out because their ids are to be excluded
    excluded_example: str = ""
    excluded_kept_in_dev: int = 0  # dev documents with such ids, kept so the split stays fixed
    mentions_read: int = 0
    in_spans: int = 0
    in_ents: int = 0
    nested_only: int = 0
    expanded: int = 0
    relations_ignored: int = 0
    byte_order_mark: bool = False  # the file started with a UTF-8 BOM, which was removed
    failed: str = ""  # with lenient conversion, why this file was skipped as a whole
    warnings: List[str] = field(default_factory=list)
    drops: Counter = field(default_factory=Counter)
    examples: Dict[str, str] = field(default_factory=dict)
    notes: Counter = field(default_factory=Counter)  # what a reader counted besides documents (PubMed XML: deleted citations...)

    @property
    def dropped(self) -> int:
        return sum(self.drops.values())

    def drop(self, reason: str, where: str, count: int = 1) -> None:
        """Count `count` dropped mentions for `reason`, keeping the first place as example."""
        self.drops[reason] += count
        self.examples.setdefault(reason, where)

    def reconciles(self) -> bool:
        """True if every mention read is either in the spans or a counted drop."""
        return self.mentions_read == self.in_spans + self.dropped

    def to_dict(self) -> Dict[str, object]:
        return {
            "path": self.path,
            "task": self.task,
            "missing": self.missing,
            "removed_output": self.removed_output,
            "documents": self.documents,
            "empty_documents": self.empty_documents,
            "dev_documents": self.dev_documents,
            "written_documents": self.written_documents,
            "written_tokens": self.written_tokens,
            "written_mentions": self.written_mentions,
            "dev_overlap": self.dev_overlap,
            "dev_overlap_example": self.dev_overlap_example,
            "excluded": self.excluded,
            "excluded_example": self.excluded_example,
            "excluded_kept_in_dev": self.excluded_kept_in_dev,
            "mentions_read": self.mentions_read,
            "in_spans": self.in_spans,
            "in_ents": self.in_ents,
            "nested_only": self.nested_only,
            "expanded": self.expanded,
            "dropped": self.dropped,
            "drops": dict(self.drops),
            "drop_examples": dict(self.examples),
            "relations_ignored": self.relations_ignored,
            "byte_order_mark": self.byte_order_mark,
            "failed": self.failed,
            "warnings": list(self.warnings),
            "notes": dict(self.notes),
        }
