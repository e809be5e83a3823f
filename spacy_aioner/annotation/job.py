"""Annotate collections: PubTator/BioC files in, one annotated file out per input file.

Inputs are streamed in batches; each output is written to a temporary file and renamed into
place when complete, so an output that exists is a finished one. That is the resume rule:
a rerun skips every input whose output exists and redoes only unfinished files. Documents
that fail go to ``<output>.rejects.tsv`` (id TAB error); the run goes on.
"""
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional

from bioc.biocxml import BioCXMLDocumentWriter
import bioc

from ..corpora.manifest import detect_format, read_corpus
from ..corpora.records import CorpusFormatError, SourceDocument
from .worker import Result

# an engine maps batches of source documents to results, in order
Engine = Callable[[Iterable[List[SourceDocument]], str], Iterator[List[Result]]]


@dataclass
class Summary:
    """What a run did, over all its files."""

    files_done: int = 0
    files_skipped: int = 0
    files_failed: Dict[str, str] = field(default_factory=dict)
    documents: int = 0
    rejected: int = 0
    ignored_input_mentions: int = 0
    mentions: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {
            "files_done": self.files_done, "files_skipped": self.files_skipped,
            "files_failed": self.files_failed, "documents": self.documents, "rejected": self.rejected,
            "ignored_input_mentions": self.ignored_input_mentions, "mentions": dict(self.mentions),
            "seconds": round(self.seconds, 2),
            "documents_per_second": round(self.documents / self.seconds, 2) if self.seconds else None,
        }


def input_files(inputs: Iterable[Path]) -> List[Path]:
    """Files given, and the files inside folders given (sorted), hidden files left out."""
    files = []
    for path in inputs:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")))
        elif path.exists():
            files.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return files


def sniff_format(path: Path) -> str:
    """'bioc' if the file starts like XML, else by its name (see detect_format)."""
    with open(path, "rb") as stream:
        head = stream.read(256).lstrip()
    return "bioc" if head.startswith(b"<") else detect_format(path)


def batches(sources: Iterable[SourceDocument], size: int) -> Iterator[List[SourceDocument]]:
    iterator = iter(sources)
    while True:
        batch = list(islice(iterator, size))
        if not batch:
            return
        yield batch


def annotate_files(
    inputs: Iterable[Path],
    output_dir: Path,
    engine: Engine,
    *,
    input_format: Optional[str] = None,
    output_format: Optional[str] = None,
    batch_size: int = 32,
    progress: Optional[Callable[[int], None]] = None,
) -> Summary:
    """Annotate every input file with `engine`; returns the run's summary."""
    output_dir.mkdir(parents=True, exist_ok=True)
    summary = Summary()
    started = time.time()
    for path in input_files(inputs):
        fmt = input_format or sniff_format(path)
        out_fmt = output_format or fmt
        target = output_dir / output_name(path, fmt, out_fmt)
        if target.exists():
            summary.files_skipped += 1
            continue
        try:
            _annotate_file(path, fmt, out_fmt, target, engine, batch_size, summary, progress)
            summary.files_done += 1
        except CorpusFormatError as err:
            summary.files_failed[str(path)] = str(err)
    summary.seconds = time.time() - started
    (output_dir / "summary.json").write_text(json.dumps(summary.to_dict(), indent=2), encoding="utf8")
    return summary


def output_name(path: Path, fmt: str, out_fmt: str) -> str:
    """The output file name: the input's, with the extension changed if the format is."""
    if fmt == out_fmt:
        return path.name
    return path.stem + (".xml" if out_fmt == "bioc" else ".PubTator")


def _annotate_file(path, fmt, out_fmt, target, engine, batch_size, summary, progress) -> None:
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    rejects_tmp = target.with_name(f".{target.name}.rejects.tmp-{os.getpid()}")
    sources = read_corpus(path, fmt, lenient=True)
    writer = _Writer(tmp, out_fmt)
    n_rejects = 0
    try:
        with open(rejects_tmp, "w", encoding="utf8") as rejects:
            for results in engine(batches(sources, batch_size), out_fmt):
                for result in results:
                    summary.documents += 1
                    if result.error is not None:
                        n_rejects += 1
                        error = " ".join(result.error.split())
                        rejects.write(f"{result.doc_id}\t{error}\n")
                        continue
                    writer.write(result.output)
                    summary.mentions.update(result.mentions)
                    summary.ignored_input_mentions += result.ignored_input_mentions
                if progress is not None:
                    progress(len(results))
        writer.close()
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        rejects_tmp.unlink(missing_ok=True)
        raise
    summary.rejected += n_rejects
    rejects_target = target.with_name(target.name + ".rejects.tsv")
    if n_rejects:
        os.replace(rejects_tmp, rejects_target)
    else:
        rejects_tmp.unlink()
    os.replace(tmp, target)  # last: the output exists only once everything is written


class _Writer:
    """Streams PubTator text or BioC documents into one file."""

    def __init__(self, path: Path, fmt: str):
        self.fmt = fmt
        self.stream = open(path, "w" if fmt == "pubtator" else "wb", **({"encoding": "utf8"} if fmt == "pubtator" else {}))
        if fmt == "bioc":
            self.bioc = BioCXMLDocumentWriter(self.stream)
            collection = bioc.BioCCollection()
            collection.source = "spacy_aioner"
            self.bioc.write_collection_info(collection)

    def write(self, output) -> None:
        if self.fmt == "pubtator":
            self.stream.write(output)
        else:
            self.bioc.write_document(output)

    def close(self) -> None:
        if self.stream.closed:
            return
        if self.fmt == "bioc":
            self.bioc.close()
        self.stream.close()
