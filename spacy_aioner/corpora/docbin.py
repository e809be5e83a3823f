"""Convert the manifest's corpus files into ``.spacy`` DocBins (user data kept, so the
task survives), with a fixed dev split and a per-file report."""
import json
import math
import random
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc, DocBin

from ..extensions import SPANS_KEY
from .docs import build_docs
from .formats import read_corpus
from .manifest import ManifestEntry
from .records import CorpusReport, CorpusFormatError

PRODUCTS = ("train", "dev.spacy", "dev", "report.json")  # what a conversion puts in its output folder


def save_docs(docs: Iterable[Doc], path: Union[str, Path]) -> int:
    """Write `docs` to a DocBin at `path` with user data; return the count."""
    docbin = DocBin(store_user_data=True)
    for doc in docs:
        docbin.add(doc)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(path)
    return len(docbin)


def convert_manifest(
    nlp: Language,
    entries: List[ManifestEntry],
    corpus_dir: Union[str, Path],
    output_dir: Union[str, Path],
    *,
    dev_file: Optional[str] = None,
    dev_docs: int = 0,
    external_dev: float = 0.0,
    max_docs: Optional[int] = None,
    max_tokens: Optional[int] = None,
    lenient: bool = False,
    exclude_ids: Optional[Set[str]] = None,
    skip_missing: bool = False,
    previous_dir: Optional[Union[str, Path]] = None,
    target_docs: int = 0,
    target_seed: int = 0,
) -> List[CorpusReport]:
    """Convert every manifest entry to ``output_dir/train/<file>.<task>.spacy``.

    The last `dev_docs` documents of `dev_file` go to ``output_dir/dev.spacy`` instead, and no
    training file keeps a dev document: one with a dev document's id (the same PubMed abstract
    in another corpus) is left out and counted as ``dev_overlap``. With `external_dev` (a
    fraction), the last ``ceil(external_dev * n)`` of the n documents of every other file go to
    ``output_dir/dev/<file>.<task>.spacy``, a dev split per corpus and task, under the same
    rule: no training file keeps any dev document. Documents that `dev_file` also annotates
    are not taken into those splits, so the dev file's training part stays whole; `dev_file`
    itself gets none, and with ``dev_docs=0`` the splits are the same. Training documents whose
    id is in `exclude_ids` (an official test set's, say) are left out too, counted as
    ``excluded``; dev documents are kept, so the dev split stays fixed, and counted as
    ``excluded_kept_in_dev``.
    `max_docs` caps the training documents taken from each other entry (the first ones);
    `max_tokens` likewise caps their tokens (whole documents, at least one). `dev_file` is
    never capped (the target corpus; with ``dev_docs=0`` all of it trains, as for a release);
    `target_docs` (> 0) keeps that many of its training documents, a sample by `target_seed` in
    which a smaller count's documents are among a larger count's (few-document training).
    Empty documents are left out and counted. A manifest file missing from `corpus_dir` stops
    the conversion before anything is written, unless `skip_missing`: then its lines get a
    report marked ``missing``, and their DocBin from an earlier conversion, if any, is removed
    rather than left to pass for this one's (`previous_dir`: where that earlier conversion is,
    if not `output_dir`). An empty file gets a warning in its report. With `lenient`, a file that
    cannot be read at all is skipped with the reason in its report's ``failed`` (the dev file
    still stops the conversion). Returns one report per entry.
    """
    corpus_dir, output_dir = Path(corpus_dir), Path(output_dir)
    if not 0.0 <= external_dev < 1.0:
        raise ValueError(f"external_dev is a fraction of each file's documents in [0, 1), not {external_dev}")
    missing = check_files(entries, corpus_dir, skip_missing=skip_missing, dev_file=dev_file if dev_docs > 0 else None)
    reports: List[Optional[CorpusReport]] = [None] * len(entries)
    training: Dict[int, List[Doc]] = {}  # entry -> its training documents
    dev_ids: Set[str] = set()
    exclude_ids = exclude_ids or set()
    target_ids: Set[str] = set()  # the dev file's documents, which no external dev split takes
    # first every dev split (the dev file's first), so that each training file can then be
    # checked against all of them
    for index in sorted(range(len(entries)), key=lambda i: entries[i].file != dev_file):
        entry = entries[index]
        path = corpus_dir / entry.file
        report = reports[index] = CorpusReport(str(path), entry.task)
        if entry.file in missing:
            report.missing = True
            earlier = Path(previous_dir or output_dir)
            for old in (train_path(earlier, entry), dev_path(earlier, entry)):
                if old.exists():  # a staged conversion replaces the old train/ and dev/ as a whole
                    report.removed_output = ", ".join(filter(None, [report.removed_output, str(old)]))
                    if previous_dir is None:
                        old.unlink()
            continue
        is_dev_file = entry.file == dev_file and dev_docs > 0
        try:
            sources = read_corpus(path, report=report, lenient=lenient)
            docs = [d for d in build_docs(nlp, sources, entry.task, entry.type_map, report=report, lenient=lenient)
                    if d.text.strip()]
        except CorpusFormatError as err:
            if not lenient or is_dev_file:
                raise
            report.failed = str(err)
            report.warnings.append(f"{path}: skipped as a whole (--lenient): {err}")
            continue
        if report.documents == 0:
            report.warnings.append(f"{path}: no documents in this file")
        if entry.file == dev_file:  # split or not, so that the external splits are the same
            target_ids.update(doc._.aioner_doc_id for doc in docs)
            docs, dev = (docs[:-dev_docs], docs[-dev_docs:]) if is_dev_file else (docs, [])
        else:
            docs, dev = split_external_dev(docs, external_dev, target_ids)
        if dev:
            dev_ids.update(doc._.aioner_doc_id for doc in dev)
            report.dev_documents = len(dev)
            report.excluded_kept_in_dev = sum(doc._.aioner_doc_id in exclude_ids for doc in dev)
            _write(dev, output_dir / "dev.spacy" if is_dev_file else dev_path(output_dir, entry), report)
        training[index] = docs
    for index, docs in training.items():
        entry, report = entries[index], reports[index]
        docs = [doc for doc in docs if not _left_out(doc, dev_ids, report, "dev_overlap")
                and not _left_out(doc, exclude_ids, report, "excluded")]
        if entry.file != dev_file:  # the target corpus is never capped, split or not
            docs = cap_docs(docs, max_docs, max_tokens)
        elif target_docs:
            kept = nested_sample(docs, target_docs, target_seed)
            report.notes["training documents left out of the target sample"] += len(docs) - len(kept)
            docs = kept
        _write(docs, train_path(output_dir, entry), report)
    return reports


@contextmanager
def staged_output(output_dir: Union[str, Path]) -> Iterator[Path]:
    """A fresh hidden folder beside `output_dir` to convert into. When the block succeeds, its
    products (``train/``, ``dev.spacy``, ``dev/``, ``report.json``) replace those of `output_dir`, and
    products it did not make are removed; when it fails, `output_dir` is left as it was."""
    output_dir = Path(output_dir)
    check_replaceable(output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.tmp-", dir=output_dir.parent))
    try:
        yield stage
        output_dir.mkdir(exist_ok=True)
        for name in PRODUCTS:
            new, old = stage / name, output_dir / name
            if old.is_dir():
                old.rename(stage / f".old-{name}")
            elif old.exists():
                old.unlink()
            if new.exists():
                new.rename(old)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def check_replaceable(output_dir: Path) -> None:
    """Refuse (FileExistsError naming the file) to convert into a folder whose ``train/`` or
    ``dev/`` holds anything but DocBins (``*.spacy`` files, what a conversion writes there):
    those folders are replaced as a whole."""
    for name in ("train", "dev"):
        folder = output_dir / name
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if not (path.is_file() and path.suffix == ".spacy"):
                raise FileExistsError(
                    f"{path}: not written by convert, and convert replaces {folder} as a whole; move it "
                    "or choose an output folder of its own")


def check_files(
    entries: List[ManifestEntry], corpus_dir: Path, *, skip_missing: bool, dev_file: Optional[str]
) -> Set[str]:
    """The manifest's files that are not in `corpus_dir`, if they may be skipped; otherwise (or if
    every file, or the dev file, is missing) a FileNotFoundError naming them and their lines."""
    missing = [entry for entry in entries if not (corpus_dir / entry.file).exists()]
    listed = ", ".join(f"{entry.file} (line {entry.line})" for entry in missing)
    if missing and len(missing) == len(entries):
        raise FileNotFoundError(f"{corpus_dir}: none of the manifest's files is there; missing: {listed}")
    if any(entry.file == dev_file for entry in missing):
        raise FileNotFoundError(f"{corpus_dir / dev_file}: the dev file is missing, so no dev split can be made")
    if missing and not skip_missing:
        raise FileNotFoundError(f"{corpus_dir}: files listed in the manifest but missing: {listed} "
                                "(--skip-missing converts the others and reports these)")
    return {entry.file for entry in missing}


def train_path(output_dir: Path, entry: ManifestEntry) -> Path:
    """Where the training DocBin of a manifest entry goes: ``train/<file stem>.<task>.spacy``."""
    stem = Path(entry.file).name.rsplit(".", 1)[0]
    return output_dir / "train" / f"{stem}.{entry.task}.spacy"


def dev_path(output_dir: Path, entry: ManifestEntry) -> Path:
    """Where the dev split of an external manifest entry goes: ``dev/<file stem>.<task>.spacy``."""
    return output_dir / "dev" / train_path(output_dir, entry).name


def _left_out(doc: Doc, ids: Set[str], report: CorpusReport, count: str) -> bool:
    """True if `doc`'s id is in `ids`; then `report`'s field `count` goes up by one and
    ``<count>_example`` keeps the first such document."""
    if doc._.aioner_doc_id not in ids:
        return False
    setattr(report, count, getattr(report, count) + 1)
    if not getattr(report, f"{count}_example"):
        setattr(report, f"{count}_example", f"{report.path}, document '{doc._.aioner_doc_id}'")
    return True


def _write(docs: List[Doc], path: Path, report: CorpusReport) -> None:
    """Save `docs` and count what was written in `report`."""
    report.written_documents += save_docs(docs, path)
    report.written_tokens += sum(len(doc) for doc in docs)
    report.written_mentions += sum(len(doc.spans[SPANS_KEY]) for doc in docs)


def split_external_dev(docs: List[Doc], fraction: float, target_ids: Set[str]) -> Tuple[List[Doc], List[Doc]]:
    """(training, dev) of an external file: dev is the last ``ceil(fraction * n)`` of the n
    documents whose id is not in `target_ids`; training keeps the others, in order."""
    eligible = [i for i, doc in enumerate(docs) if doc._.aioner_doc_id not in target_ids]
    held_out = set(eligible[len(eligible) - math.ceil(fraction * len(eligible)):])
    return ([doc for i, doc in enumerate(docs) if i not in held_out],
            [doc for i, doc in enumerate(docs) if i in held_out])


def nested_sample(docs: List[Doc], count: int, seed: int) -> List[Doc]:
    """`count` of `docs` in their order, chosen by one fixed shuffle of them (`seed`): the first
    `count` of that shuffle, so a smaller count's documents are always among a larger count's."""
    if count > len(docs):
        raise ValueError(f"a sample of {count} documents from {len(docs)} training documents")
    order = random.Random(seed).sample(range(len(docs)), len(docs))
    return [docs[i] for i in sorted(order[:count])]


def cap_docs(docs: List[Doc], max_docs: Optional[int], max_tokens: Optional[int]) -> List[Doc]:
    """The first documents, at most `max_docs` of them and `max_tokens` tokens (at least one)."""
    docs = docs[:max_docs] if max_docs is not None else docs
    if max_tokens is None:
        return docs
    kept, total = [], 0
    for doc in docs:
        if kept and total + len(doc) > max_tokens:
            break
        kept.append(doc)
        total += len(doc)
    return kept


def format_reports(reports: List[CorpusReport]) -> str:
    """The reports as a plain-text table, then each drop reason with its first place."""
    columns = [
        "documents", "empty_documents", "dev_documents", "written_documents", "written_tokens", "written_mentions",
        "dev_overlap", "excluded", "mentions_read", "in_spans", "in_ents", "nested_only", "expanded",
        "dropped",
    ]
    header = ["file", "task"] + columns
    rows = [[Path(r.path).name, r.task] + [str(getattr(r, c)) for c in columns] for r in reports if not r.missing]
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in [header] + rows]
    for r in reports:
        if r.missing:
            removed = f"; removed its old output {r.removed_output}" if r.removed_output else ""
            lines.append(f"skipped {Path(r.path).name} [{r.task}]: {r.path} is missing (--skip-missing){removed}")
        if r.byte_order_mark:
            lines.append(f"removed the UTF-8 byte order mark at the start of {r.path}")
        for warning in r.warnings:
            lines.append(f"warning: {warning}")
        for reason, count in sorted(r.drops.items()):
            lines.append(f"dropped {count:>6} from {Path(r.path).name} [{r.task}]: {reason} (first: {r.examples[reason]})")
        if r.dev_overlap:
            lines.append(f"left out {r.dev_overlap:>5} documents of {Path(r.path).name} [{r.task}]: "
                         f"they are dev documents (first: {r.dev_overlap_example})")
        if r.excluded:
            lines.append(f"left out {r.excluded:>5} documents of {Path(r.path).name} [{r.task}]: "
                         f"--exclude-docs lists them (first: {r.excluded_example})")
        if r.excluded_kept_in_dev:
            lines.append(f"kept {r.excluded_kept_in_dev:>9} dev documents of {Path(r.path).name} [{r.task}] "
                         "that --exclude-docs lists: the dev split stays fixed")
    return "\n".join(lines)


def write_reports(reports: List[CorpusReport], path: Union[str, Path]) -> None:
    """Save the reports as JSON."""
    Path(path).write_text(json.dumps([r.to_dict() for r in reports], indent=2), encoding="utf8")
