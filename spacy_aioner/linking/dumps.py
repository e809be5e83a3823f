"""The standard vocabularies' dump formats to scispaCy's JSONL concepts, streaming (the real
files are GBs): NCBI Gene ``gene_info``, MeSH descriptors and supplementary concepts (XML),
NCBI Taxonomy ``names.dmp`` and Cellosaurus ``cellosaurus.txt``.

Each reader yields ``{"concept_id", "canonical_name", "aliases", "types", "definition"}`` dicts;
`write_concepts` writes them one per line.
"""
import gzip
import json
from pathlib import Path
from typing import IO, Dict, Iterable, Iterator, Optional, Sequence, Set, Union

PathLike = Union[str, Path]
DUMP_FORMATS = ("gene_info", "mesh", "taxonomy", "cellosaurus")
TAXONOMY_CLASSES = ("scientific name", "common name", "genbank common name", "synonym", "equivalent name",
                    "genbank synonym", "acronym", "genbank acronym", "blast name")


def _open(path: PathLike, mode: str = "rt") -> IO:
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, mode, encoding=None if "b" in mode else "utf8")
    return open(path, mode, encoding=None if "b" in mode else "utf8")


def _concept(concept_id: str, name: str, aliases: Iterable[str], entity_type: str, definition: str = "") -> dict:
    names = sorted({a.strip() for a in [name, *aliases] if a and a.strip() and a.strip() != "-"})
    concept = {"concept_id": concept_id, "canonical_name": name, "aliases": names, "types": [entity_type]}
    if definition:
        concept["definition"] = definition
    return concept


def read_gene_info(path: PathLike, taxa: Optional[Set[str]] = None) -> Iterator[dict]:
    """Genes of NCBI's gene_info (TSV with a ``#tax_id`` header), only of `taxa` if given."""
    with _open(path) as stream:
        header = stream.readline().lstrip("#").rstrip("\n").split("\t")
        column = {name: i for i, name in enumerate(header)}
        missing = {"tax_id", "GeneID", "Symbol", "Synonyms"} - set(column)
        if missing:
            raise ValueError(f"{path}: not a gene_info file (no column {', '.join(sorted(missing))} in line 1)")
        for line_no, line in enumerate(stream, start=2):
            fields = line.rstrip("\n").split("\t")
            if len(fields) != len(header):
                raise ValueError(f"{path}, line {line_no}: {len(fields)} fields, the header has {len(header)}")
            if taxa and fields[column["tax_id"]] not in taxa:
                continue
            get = lambda name: fields[column[name]] if name in column else "-"  # noqa: E731
            aliases = get("Synonyms").split("|") + [get("Full_name_from_nomenclature_authority")]
            aliases += get("Other_designations").split("|")
            yield _concept(get("GeneID"), get("Symbol"), aliases, "Gene", get("description"))


def read_mesh(path: PathLike, tree_prefixes: Sequence[str] = (), entity_type: str = "Disease",
              supplementary_classes: Sequence[str] = ()) -> Iterator[dict]:
    """MeSH descriptors (``desc*.xml``) under the tree number prefixes (C for diseases, D for
    chemicals; all if none), or supplementary concept records (``supp*.xml``) of the given
    SCR classes (1 chemical, 3 disease; all if none), one record in memory at a time."""
    from lxml import etree

    try:
        yield from _mesh_records(path, etree, tree_prefixes, entity_type, supplementary_classes)
    except etree.XMLSyntaxError as err:  # one line with the file and line, not lxml's traceback
        raise ValueError(f"{path}, line {err.lineno}: not well-formed MeSH XML ({err.msg})") from None


def _mesh_records(path, etree, tree_prefixes, entity_type, supplementary_classes) -> Iterator[dict]:
    with _open(path, "rb") as stream:
        for _, record in etree.iterparse(stream, events=("end",), tag=("DescriptorRecord", "SupplementalRecord")):
            if record.tag == "DescriptorRecord":
                concept_id = record.findtext("DescriptorUI")
                name = record.findtext("DescriptorName/String")
                trees = [t.text for t in record.iterfind("TreeNumberList/TreeNumber")]
                keep = not tree_prefixes or any(t.startswith(tuple(tree_prefixes)) for t in trees)
            else:
                concept_id = record.findtext("SupplementalRecordUI")
                name = record.findtext("SupplementalRecordName/String")
                keep = not supplementary_classes or record.get("SCRClass") in supplementary_classes
            if keep:
                terms = [t.text for t in record.iterfind("ConceptList/Concept/TermList/Term/String")]
                note = record.findtext("ConceptList/Concept[@PreferredConceptYN='Y']/ScopeNote") or record.findtext("Note") or ""
                yield _concept(concept_id, name, terms, entity_type, " ".join(note.split()))
            record.clear()
            while record.getprevious() is not None:
                del record.getparent()[0]


def read_taxonomy_names(path: PathLike, classes: Sequence[str] = TAXONOMY_CLASSES,
                        taxa: Optional[Set[str]] = None) -> Iterator[dict]:
    """Taxa of NCBI Taxonomy's names.dmp (``tax_id | name | unique name | class |`` lines,
    grouped by tax_id as the dump is); the scientific name is the canonical one."""
    current, names, scientific = None, [], None
    with _open(path) as stream:
        for line_no, line in enumerate(stream, start=1):
            fields = [f.strip() for f in line.rstrip("\n").rstrip("|").split("\t|\t")]
            if len(fields) < 4:
                raise ValueError(f"{path}, line {line_no}: not a names.dmp line (tax_id | name | unique name | class |)")
            tax_id, name, _, name_class = fields[:4]
            if tax_id != current:
                if current is not None and names and (not taxa or current in taxa):
                    yield _concept(current, scientific or names[0], names, "Species")
                current, names, scientific = tax_id, [], None
            if name_class in classes:
                names.append(name)
            if name_class == "scientific name":
                scientific = name
    if current is not None and names and (not taxa or current in taxa):
        yield _concept(current, scientific or names[0], names, "Species")


def read_cellosaurus(path: PathLike, categories: Sequence[str] = ()) -> Iterator[dict]:
    """Cell lines of cellosaurus.txt (``ID``/``AC``/``SY``/``CA`` lines, ``//`` ends a record),
    of the given categories (``CA`` values) if any."""
    record: Dict[str, list] = {}
    with _open(path) as stream:
        for line in stream:
            line = line.rstrip("\n")
            if line.startswith("//"):
                if "ID" in record and "AC" in record and (not categories or record.get("CA", [""])[0] in categories):
                    synonyms = [s for value in record.get("SY", []) for s in value.split("; ")]
                    yield _concept(record["AC"][0], record["ID"][0], synonyms, "CellLine")
                record = {}
            elif len(line) > 5 and line[2:5] == "   " and line[:2].isupper():
                record.setdefault(line[:2], []).append(line[5:].strip())


def convert_dump(fmt: str, path: PathLike, **options) -> Iterator[dict]:
    """The concepts of a dump in `fmt` (one of DUMP_FORMATS)."""
    readers = {"gene_info": read_gene_info, "mesh": read_mesh, "taxonomy": read_taxonomy_names,
               "cellosaurus": read_cellosaurus}
    if fmt not in readers:
        raise ValueError(f"{fmt!r}: a dump format is one of {', '.join(DUMP_FORMATS)}")
    return readers[fmt](path, **options)


def write_concepts(concepts: Iterable[dict], path: PathLike) -> int:
    """Write concepts as JSONL through a temporary beside `path`, renamed into place only when
    every concept is written: a dump that fails midway leaves an earlier file as it was.
    Returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    count = 0
    try:
        with open(partial, "w", encoding="utf8") as out:
            for concept in concepts:
                out.write(json.dumps(concept, ensure_ascii=False) + "\n")
                count += 1
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return count
