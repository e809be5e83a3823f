"""Copy folders of training DocBins, repeating or leaving out some: mix_corpus.py IN... OUT NAME=N...

`python scripts/mix_corpus.py corpus/all/train corpus/all/mix BioRED_TrainDev.ALL.spacy=2`
writes every DocBin of corpus/all/train to corpus/all/mix and BioRED's a second time, so
spaCy's corpus reader (one pass over every .spacy file of a folder per epoch) sees BioRED
twice per epoch: the target corpus oversampled against the external ones. NAME=0 leaves that
file out of the mix.

More folders may follow the first (`... corpus/silver/train corpus/silver/teacher corpus/silver/mix`):
their files are written as FOLDER.NAME and named FOLDER/NAME in repeats
(`teacher/BioRED_TrainDev.ALL.spacy=0`); a bare NAME is a file of the first folder. The last
line gives the documents and tokens of one epoch of the mix.
"""
import shutil
import sys
from pathlib import Path
from typing import Dict, List, Tuple

from spacy.tokens import DocBin


def size(file: Path):
    """Documents and tokens of a DocBin file (read without building the docs)."""
    docbin = DocBin().from_disk(file)
    return len(docbin), sum(len(tokens) for tokens in docbin.tokens)


def parse(args: List[str]) -> Tuple[List[Path], Path, Dict[str, int]]:
    """The source folders, the target folder and {name: N} from the command line."""
    folders, counts = [], {}
    for arg in args:
        name, sep, count = arg.rpartition("=")
        if sep or arg.endswith(".spacy"):
            if not sep or not name or not count.isdigit():
                sys.exit(f"mix_corpus.py: {arg!r} is not NAME=N with N >= 0")
            counts[name] = int(count)
        elif counts:
            sys.exit(f"mix_corpus.py: {arg!r}: folders come before the NAME=N repeats")
        else:
            folders.append(Path(arg))
    if len(folders) < 2:
        sys.exit(__doc__.splitlines()[0])
    *sources, target = folders
    for arg in map(str, sources):
        if not Path(arg).is_dir():
            sys.exit(f"mix_corpus.py: {arg!r} is not a folder (nor NAME=N with N >= 0)")
    names = [source.name for source in sources[1:]]
    if len(set(names)) != len(names):
        sys.exit(f"mix_corpus.py: the folders after the first need different names: {', '.join(names)}")
    return sources, target, counts


def mix_files(sources: List[Path]) -> Dict[str, Path]:
    """{name in the mix (and in repeats): file}: the first folder's files as they are, the others'
    as FOLDER/NAME."""
    files = {}
    for index, source in enumerate(sources):
        for file in sorted(source.glob("*.spacy")):
            files[file.name if index == 0 else f"{source.name}/{file.name}"] = file
    return files


if __name__ == "__main__":
    sources, target, counts = parse(sys.argv[1:])
    files = mix_files(sources)
    missing = sorted(set(counts) - set(files))
    if missing:
        sys.exit(f"mix_corpus.py: not in {', '.join(map(str, sources))}: {', '.join(missing)}")
    if all(counts.get(name, 1) == 0 for name in files):
        sys.exit(f"mix_corpus.py: the mix would be empty: no .spacy file of {', '.join(map(str, sources))} is kept")
    for source in sources:
        if target.resolve() == source.resolve() or target.resolve() in source.resolve().parents:
            sys.exit(f"mix_corpus.py: {target} would replace {source}; write the mix elsewhere")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    epoch_docs = epoch_tokens = 0
    for name, file in files.items():
        if counts.get(name) == 0:
            print(f"left out: {file}")
            continue
        docs, tokens = size(file)
        stem = Path(name.replace("/", ".")).stem
        for copy in range(1, counts.get(name, 1) + 1):
            written = f"{stem}{file.suffix}" if copy == 1 else f"{stem}.copy{copy}{file.suffix}"
            shutil.copyfile(file, target / written)
            print(f"{target / written}")
            epoch_docs, epoch_tokens = epoch_docs + docs, epoch_tokens + tokens
    print(f"epoch: {epoch_docs:,} documents, {epoch_tokens:,} tokens")
