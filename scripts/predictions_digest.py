"""md5 of a seeded, freshly initialised pipeline's PubTator output on the last N BioRED dev
documents: run it at two commits (each installed with pip install -e) to show that a change moved
no prediction. predictions_digest.py CORPUS [--docs 20] [--out predictions.PubTator]"""
import hashlib
from pathlib import Path
from typing import Optional

import typer
from spacy.util import fix_random_seed

from spacy_aioner.corpora.docs import build_doc
from spacy_aioner.corpora.pubtator import format_pubtator, read_pubtator
from spacy_aioner.tokenizer import blank_biomedical


def main(corpus: Path, docs: int = 20, out: Optional[Path] = None):
    fix_random_seed(0)
    nlp = blank_biomedical()
    nlp.add_pipe("aioner_transformer")
    nlp.add_pipe("aioner", config={"tasks": ["ALL", "Gene"]})
    nlp.initialize()
    sources = list(read_pubtator(corpus))[-docs:]
    prepared = [build_doc(nlp, s, "ALL", type_map={}) for s in sources]
    for doc in prepared:
        doc._.aioner_task = None  # the pipe's tasks apply
    text = "".join(format_pubtator(doc) for doc in nlp.pipe(prepared))
    if out is not None:
        out.write_text(text, encoding="utf8")
    mentions = sum(line.count("\t") >= 4 for line in text.splitlines())
    typer.echo(f"{hashlib.md5(text.encode('utf8')).hexdigest()}  {docs} documents, {mentions} mention lines")


if __name__ == "__main__":
    typer.run(main)
