"""Annotate collections: PubTator, BioC or PubMed XML files in, one annotated file out per input.

Inputs are streamed in batches and annotated in checkpointed parts (see ``parts``); each output
is written to a temporary file and renamed into place when complete, so an output that exists is
a finished one. That is the resume rule: a rerun finds every input whose output exists already
done (and counts it from that output), and goes on with an unfinished file from its last finished
part; temporaries of runs that died are removed. Documents that fail go to
``<output>.rejects.tsv`` (id TAB error); the run goes on. A file that cannot be read counts as
failed and adds nothing to the totals.
"""
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional

from ..corpora.formats import FORMATS, read_corpus
from ..corpora.records import CorpusFormatError, CorpusReport, SourceDocument
from .annotator import Result
from .parts import PART_SIZE, Parts
from .output_folder import remove_dead_temporaries, run_lock
from .plan import SUMMARY_NAME, AnnotateError, FileJob, RunPlan, plan_run
from .settings import RunSettings

# an engine maps batches of source documents and the run's settings to results, in order
Engine = Callable[[Iterable[List[SourceDocument]], RunSettings], Iterator[List[Result]]]

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
    resumed_documents: int = 0  # documents of parts an earlier, stopped run finished
    error: str = ""
    warnings: List[str] = field(default_factory=list)
    notes: Counter = field(default_factory=Counter)  # what the reader counted besides documents

    def to_dict(self) -> dict:
        found = {"status": self.status, "output": self.output, "documents": self.documents,
                 "rejected": self.rejected, "mentions": dict(self.mentions)}
        if self.status == DONE:
            found["ignored_input_mentions"] = self.ignored_input_mentions
        if self.resumed_documents:
            found["resumed_documents"] = self.resumed_documents
        if self.error:
            found["error"] = self.error
        if self.warnings:
            found["warnings"] = self.warnings
        if self.notes:
            found["notes"] = dict(self.notes)
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
        return sum(f.documents - f.resumed_documents for f in self._with(DONE))

    def to_dict(self) -> dict:
        """Totals over the finished outputs (done now or found done), then every file."""
        return {
            "files_done": self.files_done, "files_already_done": self.files_already_done,
            "files_failed": self.files_failed, "documents": self.documents, "rejected": self.rejected,
            "mentions": dict(self.mentions), "documents_this_run": self.documents_this_run,
            "notes": dict(sum((f.notes for f in self._with(DONE)), Counter())),
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


def annotate_files(inputs: Iterable[Path], output_dir: Path, engine: Engine, *,
                   settings: RunSettings = RunSettings(), input_format: Optional[str] = None,
                   output_format: Optional[str] = None, provenance: Optional[Dict] = None,
                   compress: bool = False, **options) -> Summary:
    """Plan the run (see ``plan_run``), then annotate it (``run_plan``, which takes `options`)."""
    plan = plan_run(inputs, Path(output_dir), input_format=input_format, output_format=output_format,
                    provenance=provenance, compress=compress)
    return run_plan(plan, engine, settings, **options)


def run_plan(plan: RunPlan, engine: Engine, settings: RunSettings = RunSettings(), *, batch_size: int = 32,
             progress: Optional[Callable[[int], None]] = None, part_size: int = PART_SIZE) -> Summary:
    """Annotate every file of `plan` with `engine` under `settings`; returns the run's summary, also
    written to ``summary.json``, even when the run is interrupted (then the exception goes on).
    Each output records its input and the plan's provenance (the pipeline, task, threshold... as
    the caller names them) in a hidden file. The output folder is locked for the run."""
    with run_lock(plan.output_dir):
        summary = Summary(ignored_inputs=plan.ignored, removed_temporaries=remove_dead_temporaries(plan.output_dir))
        started = time.time()
        try:
            for job in plan.jobs:
                file_settings = replace(settings, output_format=job.out_fmt)
                summary.files[str(job.source)] = _run_job(job, engine, batch_size, progress, file_settings,
                                                          plan.provenance, part_size)
        except BaseException as err:
            summary.interrupted = type(err).__name__ + (f": {err}" if str(err) else "")
            raise
        finally:
            summary.seconds = time.time() - started
            _write_json(plan.output_dir / SUMMARY_NAME, summary.to_dict())
    return summary


def _run_job(job: FileJob, engine: Engine, batch_size: int, progress, settings: RunSettings,
             provenance: Dict, part_size: int) -> FileOutcome:
    if job.target.exists():  # the plan checked that its provenance is this input's and settings'
        return _count_finished(job)
    job.target.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _annotate_file(job, engine, batch_size, progress, settings, provenance, part_size)
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


def _annotate_file(job: FileJob, engine: Engine, batch_size: int, progress, settings: RunSettings,
                   provenance: Dict, part_size: int) -> FileOutcome:
    outcome = FileOutcome(DONE, str(job.target))
    report = CorpusReport(str(job.source), "")
    parts = Parts(job, provenance, part_size)
    finished = parts.resume()
    outcome.resumed_documents = finished * part_size
    sources = islice(read_corpus(job.source, job.fmt, report=report, lenient=True), finished * part_size, None)
    part: List[Result] = []
    try:
        for results in engine(batches(sources, batch_size), settings):
            for result in results:
                part.append(result)
                if len(part) == part_size:
                    parts.save(finished, part)
                    finished, part = finished + 1, []
            if progress is not None:
                progress(len(results))
    except CorpusFormatError:
        parts.remove()  # the input is bad where it is: its parts would not help a rerun
        raise
    if part or not finished:
        parts.save(finished, part)
    _assemble(job, parts, outcome)
    _write_json(job.provenance, job.record(provenance))
    os.replace(job.temporary(), job.target)  # last: the output exists only once everything is written
    parts.remove()
    outcome.notes.update(report.notes)
    if report.byte_order_mark:
        outcome.warnings.append("a UTF-8 byte order mark at the start was removed")
    if outcome.documents == 0:
        outcome.warnings.append("no documents: the output is empty")
    return outcome


def _assemble(job: FileJob, parts: Parts, outcome: FileOutcome) -> None:
    """Write the output's temporary and the rejects list from the finished parts."""
    tmp, rejects_tmp = job.temporary(), job.temporary(".rejects")
    writer = FORMATS[job.out_fmt].open_writer(tmp, job.compress)
    try:
        with open(rejects_tmp, "w", encoding="utf8") as rejects:
            for result in parts.load():
                outcome.documents += 1
                if result.error is not None:
                    outcome.rejected += 1
                    error = " ".join(result.error.split())
                    rejects.write(f"{result.doc_id}\t{error}\n")
                    continue
                writer.write(result.output)
                outcome.mentions.update(result.mentions)
                outcome.ignored_input_mentions += result.ignored_input_mentions
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
