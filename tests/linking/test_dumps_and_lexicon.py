"""Dump converters on small excerpts written in each official format, the corpus lexicon on
the real training files, and the variant normalizer."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from spacy_aioner.linking.dumps import (read_cellosaurus, read_gene_info, read_mesh, read_taxonomy_names,
                                        write_concepts)
from spacy_aioner.linking.lexicon import (Lexicon, merge_concept_files, normalize_alias, priors_path,
                                          split_identifiers)
from spacy_aioner.linking.variants import normalize_variant
from tests.conftest import corpus_file

FIXTURES = Path(__file__).parent / "fixtures"


def test_gene_info_keeps_symbols_synonyms_and_names_of_the_taxa_asked():
    genes = {c["concept_id"]: c for c in read_gene_info(FIXTURES / "gene_info.tsv")}
    assert set(genes) == {"672", "12189", "7157"}
    assert genes["672"]["canonical_name"] == "BRCA1" and genes["672"]["types"] == ["Gene"]
    assert {"BRCC1", "FANCS", "RING finger protein 53", "BRCA1 DNA repair associated"} <= set(genes["672"]["aliases"])
    assert "-" not in genes["7157"]["aliases"]
    assert [c["concept_id"] for c in read_gene_info(FIXTURES / "gene_info.tsv", taxa={"10090"})] == ["12189"]


def test_gene_info_names_a_bad_line(tmp_path):
    bad = tmp_path / "gene_info"
    bad.write_text((FIXTURES / "gene_info.tsv").read_text() + "9606\t1\tA1BG\n")
    with pytest.raises(ValueError, match=r"gene_info, line 5: 3 fields, the header has 16"):
        list(read_gene_info(bad))


def test_mesh_descriptors_by_tree_and_supplementary_records_by_class():
    diseases = list(read_mesh(FIXTURES / "desc.xml", tree_prefixes=["C"], entity_type="Disease"))
    assert [c["concept_id"] for c in diseases] == ["D001943"]
    assert "Breast Cancer" in diseases[0]["aliases"] and diseases[0]["definition"] == "Tumors or cancer of the human BREAST."
    chemicals = list(read_mesh(FIXTURES / "desc.xml", tree_prefixes=["D"], entity_type="Chemical"))
    assert [(c["concept_id"], c["types"]) for c in chemicals] == [("D002945", ["Chemical"])]
    assert "Platinol" in chemicals[0]["aliases"]
    supplementary = list(read_mesh(FIXTURES / "supp.xml", supplementary_classes=["3"], entity_type="Disease"))
    assert [(c["concept_id"], c["canonical_name"]) for c in supplementary] == [("C535300", "Long QT syndrome 3")]
    assert "LQT3" in supplementary[0]["aliases"]


def test_taxonomy_names_grouped_by_taxon_scientific_name_first():
    taxa = {c["concept_id"]: c for c in read_taxonomy_names(FIXTURES / "names.dmp")}
    assert taxa["9606"]["canonical_name"] == "Homo sapiens" and {"human", "man"} <= set(taxa["9606"]["aliases"])
    assert "Homo sapiens Linnaeus, 1758" not in taxa["9606"]["aliases"]  # authority is not a name to match
    assert taxa["10116"]["canonical_name"] == "Rattus norvegicus" and taxa["10116"]["types"] == ["Species"]
    assert [c["concept_id"] for c in read_taxonomy_names(FIXTURES / "names.dmp", taxa={"10090"})] == ["10090"]


def test_cellosaurus_records_past_the_header():
    lines = {c["concept_id"]: c for c in read_cellosaurus(FIXTURES / "cellosaurus.txt")}
    assert set(lines) == {"CVCL_0030", "CVCL_0045"}
    assert lines["CVCL_0045"]["canonical_name"] == "HEK293" and "293" in lines["CVCL_0045"]["aliases"]
    assert [c["concept_id"] for c in read_cellosaurus(FIXTURES / "cellosaurus.txt", categories=["Cancer cell line"])] == ["CVCL_0030"]


def test_kb_command_converts_and_refuses_an_unknown_format(tmp_path):
    out = tmp_path / "genes.jsonl"
    ok = subprocess.run([sys.executable, "-m", "spacy_aioner", "kb", "gene_info", str(FIXTURES / "gene_info.tsv"),
                         str(out), "--taxon", "9606"], capture_output=True, text=True)
    assert ok.returncode == 0 and "2 concepts" in ok.stdout
    assert [json.loads(line)["concept_id"] for line in out.read_text().splitlines()] == ["672", "7157"]
    bad = subprocess.run([sys.executable, "-m", "spacy_aioner", "kb", "umls", str(FIXTURES / "gene_info.tsv"),
                          str(out)], capture_output=True, text=True)
    assert bad.returncode == 2 and "'umls': choose one of" in bad.stderr


def kb(*args):
    return subprocess.run([sys.executable, "-m", "spacy_aioner", "kb", *map(str, args)], capture_output=True, text=True)


def test_a_malformed_dump_keeps_the_earlier_file_and_says_where_in_one_line(tmp_path):
    """Issue 61 (5): kb wrote its JSONL in place (a malformed dump destroyed a good earlier file)
    and malformed MeSH XML gave lxml's traceback."""
    out = tmp_path / "genes.jsonl"
    assert kb("gene_info", FIXTURES / "gene_info.tsv", out).returncode == 0
    good = out.read_bytes()
    lines = (FIXTURES / "gene_info.tsv").read_text().splitlines()
    (tmp_path / "bad.tsv").write_text("\n".join(lines + ["9606\t1\ttoo few fields"]) + "\n")
    bad = kb("gene_info", tmp_path / "bad.tsv", out)
    assert bad.returncode == 1 and f"line {len(lines) + 1}" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert out.read_bytes() == good and sorted(p.name for p in tmp_path.iterdir()) == ["bad.tsv", "genes.jsonl"]
    xml = (FIXTURES / "desc.xml").read_text()
    (tmp_path / "bad.xml").write_text(xml[: len(xml) // 2] + "<oops></DescriptorRecordSet>")
    bad = kb("mesh", tmp_path / "bad.xml", tmp_path / "mesh.jsonl", "--type", "Disease")
    assert bad.returncode == 1 and "not well-formed MeSH XML" in bad.stderr and "line " in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and not (tmp_path / "mesh.jsonl").exists()


def test_corpus_lexicon_counts_names_and_leaves_held_out_documents_out(tmp_path):
    biored = corpus_file("pubtator", "BioRED_TrainDev.PubTator")
    types = {t: t for t in ("Gene", "Chemical", "Disease", "Species", "Variant", "CellLine")}
    held_out = {line.split("|")[0] for line in open(biored, encoding="utf8") if "|t|" in line}
    kept = {sorted(held_out)[0]}
    lexicon = Lexicon()
    added = lexicon.add_corpus(biored, types, held_out - kept)
    one_doc = [line.rstrip("\n").split("\t") for line in open(biored, encoding="utf8")
               if line.startswith(f"{next(iter(kept))}\t")]
    assert added == sum(1 for f in one_doc if len(f) >= 6 and f[5]) > 0
    path = lexicon.write("Species", tmp_path / "Species.jsonl")
    concepts = [json.loads(line) for line in path.read_text().splitlines()]
    priors = json.loads(priors_path(path).read_text())
    for concept in concepts:
        for alias in concept["aliases"]:
            assert concept["concept_id"] in [c for c, _ in priors[normalize_alias(alias)]]


def test_a_shared_alias_goes_to_the_concept_named_most_often(tmp_path):
    lexicon = Lexicon()
    for identifier, text in [("7157", "p53"), ("7157", "p53"), ("22059", "p53"), ("1508,836", "caspase")]:
        lexicon.add("Gene", identifier, text)
    path = lexicon.write("Gene", tmp_path / "Gene.jsonl")
    priors = json.loads(priors_path(path).read_text())
    assert priors["p53"] == [["7157", 2], ["22059", 1]]
    assert {c for c, _ in priors["caspase"]} == {"1508", "836"}
    dump = tmp_path / "dump.jsonl"
    write_concepts([{"concept_id": "7157", "canonical_name": "TP53", "aliases": ["TP53", "tumor protein p53"],
                     "types": ["Gene"]}], dump)
    merged = merge_concept_files([path, dump], tmp_path / "merged.jsonl")
    concepts = {json.loads(line)["concept_id"]: json.loads(line) for line in merged.read_text().splitlines()}
    assert {"p53", "TP53", "tumor protein p53"} <= set(concepts["7157"]["aliases"])
    assert json.loads(priors_path(merged).read_text())["p53"][0] == ["7157", 2]


def test_identifier_fields_split_except_variant_keys():
    assert split_identifiers("1508,836;841", "Gene") == ["1508", "836", "841"]
    assert split_identifiers("p|SUB|V|600|E", "Variant") == ["p|SUB|V|600|E"]
    assert split_identifiers("-", "Disease") == []
    assert normalize_alias("Type-II  Diabetes") == "type ii diabetes"


@pytest.mark.parametrize("text, key", [
    ("rs113488022", "rs113488022"), ("rs 1052133", "rs1052133"), ("p.V600E", "p|SUB|V|600|E"),
    ("V600E", "p|SUB|V|600|E"), ("p.Val600Glu", "p|SUB|V|600|E"), ("p.(Val600Glu)", "p|SUB|V|600|E"),
    ("Pro75 Ala", "p|SUB|P|75|A"), ("c.1799T>A", "c|SUB|T|1799|A"), ("g.3318-6T>A", "g|SUB|T|3318-6|A"),
    ("4153delA", "c|DEL|4153|A"), ("5382insC", "c|INS|5382|C"), ("R58fs", "p|FS|R|58||"),
    ("arginine84", None), ("BRCA1", None),
])
def test_variant_normalizer(text, key):
    assert normalize_variant(text) == key
