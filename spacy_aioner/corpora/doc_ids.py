"""The document ids of corpus files, so that `convert` can leave those documents out of
training (the official test sets, say, whose abstracts other corpora also annotate)."""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Set, Union

from .formats import read_corpus
from .records import CorpusReport

# in a folder, the files read as corpora; a file named on its own is read whatever its name
CORPUS_SUFFIXES = (".pubtator", ".xml", ".conll")


@dataclass
class DocIds:
    """Document ids read from corpus files, with the files read and the folder files skipped."""

    ids: Set[str] = field(default_factory=set)
    files: List[Path] = field(default_factory=list)
    skipped: List[Path] = field(default_factory=list)

    def describe(self) -> str:
        """One line: how many ids from which files, and which folder files were not read."""
        names = ", ".join(str(f) for f in self.files) or "no corpus file"
        line = f"{len(self.ids)} ids, from {names}"
        if self.skipped:
            line += f" (not corpus files, not read: {', '.join(str(f) for f in self.skipped)})"
        return line


def read_doc_ids(paths: Iterable[Union[str, Path]]) -> DocIds:
    """The ids of every document in `paths`: corpus files, or folders whose *.PubTator,
    *.xml and *.conll files are read (other files are listed as skipped).

    Mentions are not needed, so a bad mention line is skipped, not an error; a file that
    cannot be read as a corpus raises CorpusFormatError naming the file and line.
    """
    found = DocIds()
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        if path.is_dir():
            children = sorted(p for p in path.iterdir() if p.is_file())
            found.skipped += [p for p in children if p.suffix.lower() not in CORPUS_SUFFIXES]
            files = [p for p in children if p.suffix.lower() in CORPUS_SUFFIXES]
        else:
            files = [path]
        for file in files:
            report = CorpusReport(str(file), "ids")
            found.ids.update(doc.id for doc in read_corpus(file, report=report, lenient=True))
            found.files.append(file)
    return found


def docbin_doc_ids(paths: Iterable[Union[str, Path]]) -> Set[str]:
    """The ids of the documents in DocBins made by `convert`: files, or folders of *.spacy
    (``dev.spacy`` and ``dev/``, say)."""
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    vocab, ids = Vocab(), set()
    for path in map(Path, paths):
        for docbin in (sorted(path.glob("*.spacy")) if path.is_dir() else [path]):
            ids |= {doc._.aioner_doc_id for doc in DocBin().from_disk(docbin).get_docs(vocab)}
    return ids
