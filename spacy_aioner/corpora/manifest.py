"""The corpus manifest: which file is which task and how its types map to the AIO types.

The format is upstream AIONER's ``list_train.txt``: one TAB-separated line per file and
task, ``FILE TAB TASK TAB AIOType:SourceType|SourceType ...``; ``#`` starts a comment. A file
listed twice (BC5CDR) gives two tasks over the same texts. Source types not listed for a
line are dropped from that task, and the conversion report counts them.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Union

from ..scheme import AIO, Scheme
from .records import CorpusFormatError

DEFAULT_MANIFEST = Path(__file__).with_name("manifest.tsv")


@dataclass
class ManifestEntry:
    """One corpus file read as one task, with its source-type -> AIO-type map."""

    file: str
    task: str
    type_map: Dict[str, str]
    line: int = 0


def load_manifest(path: Union[str, Path] = DEFAULT_MANIFEST, scheme: Scheme = AIO) -> List[ManifestEntry]:
    """Parse a manifest file whose target types belong to `scheme`; bad lines raise
    CorpusFormatError with the line number."""
    path = Path(path)
    entries = []
    for line_no, line in enumerate(path.read_text(encoding="utf8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) < 3:
            raise CorpusFormatError(path, line_no, None, "expected FILE TAB TASK TAB Type:Source|Source ...")
        try:
            task = scheme.check_task(fields[1])
        except ValueError as err:
            raise CorpusFormatError(path, line_no, None, str(err)) from None
        type_map: Dict[str, str] = {}
        for mapping in fields[2:]:
            target, _, sources = mapping.partition(":")
            if target not in scheme.task_types(task) or not sources:
                raise CorpusFormatError(
                    path, line_no, None,
                    f"{mapping!r}: the target must be one of {', '.join(scheme.task_types(task))} "
                    f"(the types of task {task}) followed by ':' and source types",
                )
            for source in sources.split("|"):
                type_map[source] = target
        entries.append(ManifestEntry(fields[0], task, type_map, line_no))
    return entries


def merged_naively(entries: List[ManifestEntry], all_task: str = "ALL") -> List[ManifestEntry]:
    """The naive merge, the control of the AIO scheme (the paper's "w/o AIONER"): one `all_task`
    entry per file, mapping the types of all its lines, so every type a corpus does not annotate
    is plain O; a file's documents once, with no task of their own."""
    merged: Dict[str, ManifestEntry] = {}
    mapped_on: Dict[tuple, int] = {}  # (file, source type) -> the manifest line that mapped it
    for entry in entries:
        first = merged.setdefault(entry.file, ManifestEntry(entry.file, all_task, {}, entry.line))
        for source, target in entry.type_map.items():
            line = mapped_on.setdefault((entry.file, source), entry.line)
            if first.type_map.setdefault(source, target) != target:
                raise ValueError(f"manifest line {entry.line}: {entry.file}'s {source!r} maps to {target} here and to "
                                 f"{first.type_map[source]} on line {line}: no single type to merge it as")
    return list(merged.values())
