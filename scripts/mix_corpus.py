"""Copy a folder of training DocBins, repeating or leaving out some: mix_corpus.py IN OUT NAME=N...

`python scripts/mix_corpus.py corpus/all/train corpus/all/mix BioRED_TrainDev.ALL.spacy=2`
writes every DocBin of corpus/all/train to corpus/all/mix and BioRED's a second time, so
spaCy's corpus reader (one pass over every .spacy file of a folder per epoch) sees BioRED
twice per epoch: the target corpus oversampled against the external ones. NAME=0 leaves that
file out of the mix. The last line gives the documents and tokens of one epoch of the mix.
"""
import shutil
import sys
from pathlib import Path

from spacy.tokens import DocBin


def size(file: Path):
    """Documents and tokens of a DocBin file (read without building the docs)."""
    docbin = DocBin().from_disk(file)
    return len(docbin), sum(len(tokens) for tokens in docbin.tokens)


def repeats(args):
    """NAME=N arguments as {name: N}; N >= 0."""
    counts = {}
    for arg in args:
        name, sep, count = arg.rpartition("=")
        if not sep or not name or not count.isdigit():
            sys.exit(f"mix_corpus.py: {arg!r} is not NAME=N with N >= 0")
        counts[name] = int(count)
    return counts


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__.splitlines()[0])
    source, target, counts = Path(sys.argv[1]), Path(sys.argv[2]), repeats(sys.argv[3:])
    files = sorted(source.glob("*.spacy"))
    missing = sorted(set(counts) - {f.name for f in files})
    if missing:
        sys.exit(f"mix_corpus.py: not in {source}: {', '.join(missing)}")
    if all(counts.get(f.name, 1) == 0 for f in files):
        sys.exit(f"mix_corpus.py: the mix would be empty: no .spacy file of {source} is kept")
    if target.resolve() == source.resolve() or target.resolve() in source.resolve().parents:
        sys.exit(f"mix_corpus.py: {target} would replace {source}; write the mix elsewhere")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    epoch_docs = epoch_tokens = 0
    for file in files:
        if counts.get(file.name) == 0:
            print(f"left out: {file}")
            continue
        docs, tokens = size(file)
        for copy in range(1, counts.get(file.name, 1) + 1):
            name = file.name if copy == 1 else f"{file.stem}.copy{copy}{file.suffix}"
            shutil.copyfile(file, target / name)
            print(f"{target / name}")
            epoch_docs, epoch_tokens = epoch_docs + docs, epoch_tokens + tokens
    print(f"epoch: {epoch_docs:,} documents, {epoch_tokens:,} tokens")
