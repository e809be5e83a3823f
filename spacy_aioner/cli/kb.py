"""``python -m spacy_aioner kb``: a vocabulary dump to scispaCy's JSONL concepts, for the
per-type linker (``scripts/build_linking.py --concepts TYPE=FILE``)."""
from pathlib import Path
from typing import List

import typer

from ..linking.dumps import DUMP_FORMATS, convert_dump, write_concepts
from ..scheme import ENTITY_TYPES
from . import app


@app.command("kb")
def kb_cli(
    fmt: str = typer.Argument(..., metavar="FORMAT", help=f"One of {', '.join(DUMP_FORMATS)}"),
    dump: Path = typer.Argument(..., exists=True, help="The dump file (.gz read as is)"),
    output: Path = typer.Argument(..., help="The JSONL concept file to write"),
    taxon: List[str] = typer.Option([], help="gene_info/taxonomy: keep these NCBI taxa only (repeatable)"),
    tree: List[str] = typer.Option([], help="mesh descriptors: keep tree numbers with this prefix (C: diseases, D: chemicals)"),
    scr_class: List[str] = typer.Option([], help="mesh supplementary records: keep this SCR class (1 chemical, 3 disease)"),
    entity_type: str = typer.Option("Disease", "--type", help="mesh: the entity type the concepts get"),
    category: List[str] = typer.Option([], help="cellosaurus: keep this CA category only"),
):
    """Convert a vocabulary dump to concepts, streaming."""
    if fmt not in DUMP_FORMATS:
        raise typer.BadParameter(f"{fmt!r}: choose one of {', '.join(DUMP_FORMATS)}", param_hint="FORMAT")
    if entity_type not in ENTITY_TYPES:
        raise typer.BadParameter(f"{entity_type!r}: choose one of {', '.join(ENTITY_TYPES)}", param_hint="--type")
    options = {"gene_info": {"taxa": set(taxon) or None}, "taxonomy": {"taxa": set(taxon) or None},
               "mesh": {"tree_prefixes": tree, "supplementary_classes": scr_class, "entity_type": entity_type},
               "cellosaurus": {"categories": category}}[fmt]
    try:
        count = write_concepts(convert_dump(fmt, dump, **options), output)
    except (ValueError, OSError) as err:
        typer.echo(f"Error: {err}", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"{count} concepts -> {output}")
