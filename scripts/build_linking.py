"""Add per-type linking to a trained pipeline: the corpus lexicon (the training files'
identifiers, never a dev document's), optionally dump-converted concept files, one KB per type.

  python scripts/build_linking.py CORPUS_DIR PIPELINE OUTPUT --exclude corpus/all/dev.spacy \
      --exclude corpus/all/dev --lexicon-dir corpus/lexicon [--concepts Disease=mesh.jsonl]

A `--concepts TYPE=FILE` (from `python -m spacy_aioner kb ...`) joins that type's lexicon:
both files' concepts go into one KB. The pipeline with ``aioner_linker`` last goes to OUTPUT.
"""
import json
from pathlib import Path
from typing import List, Optional

import spacy
import typer

from spacy_aioner.corpora.doc_ids import docbin_doc_ids
from spacy_aioner.corpora.manifest import DEFAULT_MANIFEST, load_manifest
from spacy_aioner.linking.lexicon import build_corpus_lexicon, merge_concept_files
from spacy_aioner.linking.linker import add_type_linkers
from spacy_aioner.scheme import AIO, ENTITY_TYPES


def main(
    corpus_dir: Path, pipeline: Path, output: Path,
    exclude: List[Path] = typer.Option([], help="DocBins (or folders) whose documents stay out of the lexicon"),
    lexicon_dir: Path = typer.Option(Path("corpus/lexicon"), help="Where the per-type concept files go"),
    concepts: List[str] = typer.Option([], help="TYPE=FILE: a converted dump's concepts for that type"),
    threshold: float = typer.Option(0.8, help="Least TF-IDF similarity of a fuzzy match"),
    manifest: Optional[Path] = typer.Option(None),
):
    import spacy_aioner.scispacy.abbreviations  # noqa: F401  (a pipeline with the abbreviation step)

    exclude_ids = docbin_doc_ids(exclude)
    lexicon = build_corpus_lexicon(corpus_dir, load_manifest(manifest or DEFAULT_MANIFEST, AIO), exclude_ids)
    files = {}
    for etype in ENTITY_TYPES:
        if lexicon.names[etype]:
            files[etype] = lexicon.write(etype, lexicon_dir / f"{etype}.jsonl")
    for item in concepts:
        etype, _, path = item.partition("=")
        if etype not in ENTITY_TYPES or not path:
            raise typer.BadParameter(f"{item!r}: TYPE=FILE with TYPE one of {', '.join(ENTITY_TYPES)}")
        files[etype] = merge_concept_files([files[etype], Path(path)] if etype in files else [Path(path)],
                                           lexicon_dir / f"{etype}.merged.jsonl")
    nlp = spacy.load(pipeline)
    add_type_linkers(nlp, files, output.parent / f".{output.name}-kbs", threshold=threshold)
    nlp.to_disk(output)
    summary = {etype: sum(1 for _ in open(path, encoding="utf8")) for etype, path in files.items()}
    (lexicon_dir / "summary.json").write_text(json.dumps({"held_out_documents": len(exclude_ids), "concepts": summary}, indent=1))
    typer.echo(f"{len(exclude_ids)} held-out documents left out; concepts per type: {summary}; -> {output}")


if __name__ == "__main__":
    typer.run(main)
