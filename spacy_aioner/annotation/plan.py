"""What an annotate run will read and write, decided and checked before any model loads.

Inputs are files, or folders walked recursively; each output keeps its input's path relative
to the folder given (a file given by itself keeps its name). The run is refused up front when
two inputs would write the same output, when the output folder is an input folder or inside
one, or when the output folder cannot be written. Files a run writes (``summary.json``,
``*.rejects.tsv``, hidden temporaries) are never taken as inputs.
"""
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from ..corpora.formats import ANNOTATABLE, FORMATS, detect_format, output_name

SUMMARY_NAME = "summary.json"
REJECTS_SUFFIX = ".rejects.tsv"
TMP_MARK = ".tmp-"
PROVENANCE_SUFFIX = ".source.json"


class AnnotateError(Exception):
    """A run that cannot start as asked; the message says why in one line."""


@dataclass
class FileJob:
    """One input file, its formats, and where its output goes."""

    source: Path
    relative: Path  # the output's path inside the output folder
    fmt: str
    out_fmt: str
    target: Path
    compress: bool = False  # the output is gzip-compressed

    @property
    def rejects(self) -> Path:
        return self.target.with_name(self.target.name + REJECTS_SUFFIX)

    def temporary(self, suffix: str = "") -> Path:
        """This process's temporary for the output (``suffix`` e.g. '.rejects')."""
        return self.hidden(f"{suffix}{TMP_MARK}{os.getpid()}")

    def hidden(self, suffix: str) -> Path:
        """A run file beside the output, hidden: ``.NAME<suffix>``."""
        return self.target.with_name(f".{self.target.name}{suffix}")

    @property
    def provenance(self) -> Path:
        """The hidden record beside the output: which input and settings it was made from."""
        return self.hidden(PROVENANCE_SUFFIX)

    def record(self, settings: Dict) -> Dict:
        """What the output's provenance says: the input (real path, size, modification time)
        and the run's settings."""
        stat = self.source.stat()
        return {"input": {"path": str(self.source.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns},
                "settings": settings}


@dataclass
class RunPlan:
    """The files of a run, in order, and the run files found among the inputs and left alone."""

    jobs: List[FileJob]
    output_dir: Path
    ignored: List[str] = field(default_factory=list)
    provenance: Dict = field(default_factory=dict)  # the settings each output records, as the caller names them


def is_run_file(path: Path) -> bool:
    """True for what an annotate run writes: its summary, rejects and (hidden) temporaries."""
    return path.name == SUMMARY_NAME or path.name.endswith(REJECTS_SUFFIX) or path.name.startswith(".")


def plan_run(
    inputs: Iterable[Path], output_dir: Path, *, input_format: Optional[str] = None,
    output_format: Optional[str] = None, provenance: Optional[Dict] = None, compress: bool = False,
) -> RunPlan:
    """Check the inputs and output folder and pair every input file with its output.

    Raises AnnotateError naming the problem: a missing input, an output folder that is an
    input folder or inside one, two inputs with the same output, an output folder that
    cannot be written, an input in a format annotate cannot read, an existing output that
    another input or other settings (`provenance`) made.
    """
    output_dir = Path(output_dir)
    resolved_out = output_dir.resolve()
    plan = RunPlan([], output_dir, provenance=provenance or {})
    for given in inputs:
        given = Path(given)
        if not given.exists():
            raise AnnotateError(f"{given}: no such file or folder")
        resolved = given.resolve()
        if given.is_dir():
            if resolved_out == resolved or resolved in resolved_out.parents:
                raise AnnotateError(f"--output {output_dir} is the input folder {given} or inside it: "
                                    "choose an output folder outside the inputs")
            files, skipped = _walk(given)
            plan.ignored.extend(skipped)
            for path in files:
                if is_run_file(path):  # hidden folders are not walked
                    plan.ignored.append(str(path))
                    continue
                plan.jobs.append(_job(path, path.relative_to(given), output_dir, input_format, output_format, compress))
        else:
            if resolved.parent == resolved_out:
                raise AnnotateError(f"--output {output_dir} holds the input file {given}: "
                                    "choose an output folder outside the inputs")
            plan.jobs.append(_job(given, Path(given.name), output_dir, input_format, output_format, compress))
    _refuse_clashes(plan.jobs, output_dir)
    _refuse_run_file_names(plan.jobs, output_dir)
    sources = {job.source.resolve() for job in plan.jobs}
    for job in plan.jobs:
        if job.target.resolve() in sources:
            raise AnnotateError(f"the output {job.target} would overwrite an input: "
                                "choose an output folder outside the inputs")
    check_writable(output_dir)
    _refuse_foreign_outputs(plan.jobs, plan.provenance)
    return plan


def _refuse_foreign_outputs(jobs: List[FileJob], settings: Dict) -> None:
    """An existing output is resumed (kept) only when its provenance names this input, unchanged,
    and these settings; otherwise the run stops before it starts, naming both."""
    for job in jobs:
        if not job.target.exists():
            continue
        if not job.provenance.exists():
            raise AnnotateError(f"{job.target} exists, but no record says which input it came from: remove it "
                                f"to annotate {job.source}, or choose another --output")
        try:
            recorded = json.loads(job.provenance.read_text(encoding="utf8"))
        except (OSError, ValueError) as err:
            raise AnnotateError(f"{job.provenance}: cannot read the output's provenance ({err})") from None
        current = job.record(settings)
        if recorded.get("input") != current["input"]:
            raise AnnotateError(f"{job.target} was written from {recorded.get('input', {}).get('path')} "
                                f"({_describe(recorded.get('input'))}), not from {job.source} ({_describe(current['input'])}): "
                                "choose another --output, or remove the output to annotate again")
        if recorded.get("settings") != current["settings"]:
            raise AnnotateError(f"{job.target} was written with other settings ({recorded.get('settings')}, now "
                                f"{current['settings']}): choose another --output, or remove the output to annotate again")


def _describe(identity: Optional[Dict]) -> str:
    if not identity:
        return "unknown"
    return f"{identity.get('size')} bytes, modified {identity.get('mtime_ns')}"


def _walk(folder: Path) -> Tuple[List[Path], List[str]]:
    """Every file under `folder`, symlinked folders followed once (real folders first, each
    level in name order); hidden folders are left out. Also what was not taken, each with why: a symlink loop, a folder or
    file reached twice (through a link), a broken link."""
    found, ignored = [], []
    walked: Dict[Path, Path] = {folder.resolve(): folder}
    files_seen: Dict[Path, Path] = {}
    for root, dirs, files in os.walk(folder, followlinks=True):
        kept = []
        names = sorted((d for d in dirs if not d.startswith(".")), key=lambda d: ((Path(root) / d).is_symlink(), d))
        for name in names:  # real folders before links, so that a folder is named by its own path
            path = Path(root) / name
            real = path.resolve()
            if real in walked:
                here = Path(root).resolve()
                why = "symlink loop" if real == here or real in here.parents else "folder reached twice"
                ignored.append(f"{path} ({why}: {walked[real]})")
                continue
            walked[real] = path
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            path = Path(root) / name
            if not path.exists():
                ignored.append(f"{path} (broken symlink)")
                continue
            real = path.resolve()
            if real in files_seen:
                ignored.append(f"{path} (file reached twice: {files_seen[real]})")
                continue
            files_seen[real] = path
            found.append(path)
    return found, ignored


def _job(path: Path, relative: Path, output_dir: Path, input_format, output_format, compress: bool) -> FileJob:
    fmt = input_format or detect_format(path)
    if FORMATS[fmt].annotate_as is None:
        raise AnnotateError(f"{path}: a {fmt} file; annotate reads {', '.join(ANNOTATABLE)} files")
    out_fmt = output_format or FORMATS[fmt].annotate_as
    relative = relative.with_name(output_name(relative.name, fmt, out_fmt, compress))
    return FileJob(path, relative, fmt, out_fmt, output_dir / relative, compress)


def _refuse_clashes(jobs: List[FileJob], output_dir: Path) -> None:
    by_target: Dict[Path, List[FileJob]] = {}
    for job in jobs:
        by_target.setdefault(job.relative, []).append(job)
    clashes = {target: found for target, found in by_target.items() if len(found) > 1}
    if clashes:
        listed = "; ".join(f"{output_dir / target} <- {', '.join(str(j.source) for j in found)}"
                           for target, found in sorted(clashes.items()))
        raise AnnotateError(f"{len(clashes)} output(s) would be written by more than one input: {listed} "
                            "(annotate them into separate --output folders)")


def _refuse_run_file_names(jobs: List[FileJob], output_dir: Path) -> None:
    """An input whose output would take the name of a file the run writes itself (the summary,
    a rejects list, a hidden temporary) is refused: the run would overwrite its annotations."""
    for job in jobs:
        name = job.relative.name
        if job.relative == Path(SUMMARY_NAME) or name.endswith(REJECTS_SUFFIX) or name.startswith("."):
            raise AnnotateError(f"{job.source}: its output {output_dir / job.relative} would be overwritten by the "
                                "run's own files (summary.json, *.rejects.tsv, hidden temporaries): rename the input")


def check_writable(output_dir: Path) -> None:
    """Create `output_dir` if needed and make sure a file can be written in it."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=output_dir, prefix=".write-check", suffix=TMP_MARK + str(os.getpid())):
            pass
    except OSError as err:
        raise AnnotateError(f"--output {output_dir}: cannot write there ({err.strerror or err})") from None
