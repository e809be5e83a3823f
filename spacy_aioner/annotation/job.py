"""Annotate collections: PubTator/BioC files in, one annotated file out per input file.

Inputs are streamed in batches; each output is written to a temporary file and renamed into
place when complete, so an output that exists is a finished one. That is the resume rule:
a rerun finds every input whose output exists already done (and counts it from that output)
and redoes only unfinished files; temporaries of runs that died are removed. Documents that
fail go to ``<output>.rejects.tsv`` (id TAB error); the run goes on. A file that cannot be
read counts as failed and adds nothing to the totals.
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

from ..corpora.formats import read_corpus
from ..corpora.records import ConversionReport, CorpusFormatError, SourceDocument
from .plan import SUMMARY_NAME, AnnotateError, FileJob, RunPlan, plan_run, remove_dead_temporaries, run_lock
from .worker import Result

# an engine maps batches of source documents to results, in order
Engine = Callable[[Iterable[List[SourceDocument]], str], Iterator[List[Result]]]

DONE, ALREADY_DONE, FAILED = "done", "already done", "failed"


@dataclass
class FileOutcome:
    """What became of one input file; counts come from its finished output only."""

    status: str
    output: str = ""
    documents: int = 0
    rejected: int = 0
    mentions: Counter = field(default_factory=Counter)
    ignored_input_mentions: int = 0  # input mentions replaced by predictions (files done in this run)
    error: str = ""
    warnings: List[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        found = {"status": self.status, "output": self.output, "documents": self.documents,
                 "rejected": self.rejected, "mentions": dict(self.mentions)}
        if self.status == DONE:
            found["ignored_input_mentions"] = self.ignored_input_mentions
        if self.error:
            found["error"] = self.error
        if self.warnings:
            found["warnings"] = self.warnings
        return found


@dataclass
class Summary:
    """What a run did and found done, per file and in total."""

    files: Dict[str, FileOutcome] = field(default_factory=dict)
    ignored_inputs: List[str] = field(default_factory=list)  # run files found among the inputs
    removed_temporaries: List[str] = field(default_factory=list)
    interrupted: str = ""
    seconds: float = 0.0

    def _with(self, *statuses: str) -> List[FileOutcome]:
        return [f for f in self.files.values() if f.status in statuses]

    @property
    def files_done(self) -> int:
        return len(self._with(DONE))

    @property
    def files_already_done(self) -> int:
        return len(self._with(ALREADY_DONE))

    @property
    def files_failed(self) -> Dict[str, str]:
        return {path: f.error for path, f in self.files.items() if f.status == FAILED}

    @property
    def documents(self) -> int:
        return sum(f.documents for f in self._with(DONE, ALREADY_DONE))

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self._with(DONE, ALREADY_DONE))

    @property
    def mentions(self) -> Counter:
        return sum((f.mentions for f in self._with(DONE, ALREADY_DONE)), Counter())

    @property
    def documents_this_run(self) -> int:
        return sum(f.documents for f in self._with(DONE))

    def to_dict(self) -> dict:
        """Totals over the finished outputs (done now or found done), then every file."""
        return {
            "files_done": self.files_done, "files_already_done": self.files_already_done,
            "files_failed": self.files_failed, "documents": self.documents, "rejected": self.rejected,
            "mentions": dict(self.mentions), "documents_this_run": self.documents_this_run,
            "seconds": round(self.seconds, 2),
            "documents_per_second": round(self.documents_this_run / self.seconds, 2) if self.seconds else None,
            "warnings": {path: f.warnings for path, f in self.files.items() if f.warnings},
            "ignored_inputs": self.ignored_inputs, "removed_temporaries": self.removed_temporaries,
            "interrupted": self.interrupted or None,
            "files": {path: f.to_dict() for path, f in self.files.items()},
        }


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
    plan: Optional[RunPlan] = None,
    settings: Optional[Dict] = None,
) -> Summary:
    """Annotate every input file with `engine`; returns the run's summary, also written to
    ``summary.json``, even when the run is interrupted (then the exception goes on). Each output
    records its input and `settings` (the pipeline, task, threshold... as the caller names them)
    in a hidden provenance file, and an output is resumed only for the same input and settings.
    The output folder is locked for the run."""
    settings = settings or {}
    plan = plan or plan_run(inputs, Path(output_dir), input_format=input_format, output_format=output_format,
                            settings=settings)
    with run_lock(plan.output_dir):
        summary = Summary(ignored_inputs=plan.ignored, removed_temporaries=remove_dead_temporaries(plan.output_dir))
        started = time.time()
        try:
            for job in plan.jobs:
                summary.files[str(job.source)] = _run_job(job, engine, batch_size, progress, settings)
        except BaseException as err:
            summary.interrupted = type(err).__name__ + (f": {err}" if str(err) else "")
            raise
        finally:
            summary.seconds = time.time() - started
            _write_json(plan.output_dir / SUMMARY_NAME, summary.to_dict())
    return summary


def _run_job(job: FileJob, engine: Engine, batch_size: int, progress, settings: Dict) -> FileOutcome:
    if job.target.exists():  # the plan checked that its provenance is this input's and settings'
        return _count_finished(job)
    job.target.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _annotate_file(job, engine, batch_size, progress, settings)
    except (CorpusFormatError, OSError) as err:
        return FileOutcome(FAILED, error=str(err))


def _count_finished(job: FileJob) -> FileOutcome:
    """Counts of an output an earlier run finished, read from that output and its rejects."""
    outcome = FileOutcome(ALREADY_DONE, str(job.target))
    try:
        for doc in read_corpus(job.target, job.out_fmt, lenient=True):
            outcome.documents += 1
            outcome.mentions.update(m.type for m in doc.mentions)
        if job.rejects.exists():
            outcome.rejected = sum(1 for line in job.rejects.read_text(encoding="utf8").splitlines() if line)
    except (CorpusFormatError, OSError) as err:
        return FileOutcome(FAILED, error=f"{job.target} exists but cannot be read back ({err}); "
                                         "remove it to annotate its input again")
    outcome.documents += outcome.rejected
    return outcome


def _annotate_file(job: FileJob, engine: Engine, batch_size: int, progress, settings: Dict) -> FileOutcome:
    tmp, rejects_tmp = job.temporary(), job.temporary(".rejects")
    outcome = FileOutcome(DONE, str(job.target))
    report = ConversionReport(str(job.source), "")
    sources = read_corpus(job.source, job.fmt, report=report, lenient=True)
    writer = _Writer(tmp, job.out_fmt)
    try:
        with open(rejects_tmp, "w", encoding="utf8") as rejects:
            for results in engine(batches(sources, batch_size), job.out_fmt):
                for result in results:
                    outcome.documents += 1
                    if result.error is not None:
                        outcome.rejected += 1
                        error = " ".join(result.error.split())
                        rejects.write(f"{result.doc_id}\t{error}\n")
                        continue
                    writer.write(result.output)
                    outcome.mentions.update(result.mentions)
                    outcome.ignored_input_mentions += result.ignored_input_mentions
                if progress is not None:
                    progress(len(results))
        writer.close()
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        rejects_tmp.unlink(missing_ok=True)
        raise
    if outcome.rejected:
        os.replace(rejects_tmp, job.rejects)
    else:
        rejects_tmp.unlink()
        job.rejects.unlink(missing_ok=True)  # an earlier, unfinished run's
    _write_json(job.provenance, job.record(settings))
    os.replace(tmp, job.target)  # last: the output exists only once everything is written
    if report.byte_order_mark:
        outcome.warnings.append("a UTF-8 byte order mark at the start was removed")
    if outcome.documents == 0:
        outcome.warnings.append("no documents: the output is empty")
    return outcome


def _write_json(path: Path, data: dict) -> None:
    """Write `data` through a temporary renamed into place; an OSError (a full disk, say) is an
    AnnotateError of one line, and the temporary is removed."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(data, indent=2), encoding="utf8")
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise AnnotateError(f"{path}: cannot write the run summary ({err.strerror or err}); "
                            "finished outputs are kept") from None


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
