"""The per-type linker on the tests' small trained pipeline, with real scispaCy KB folders:
identifiers in the span group, doc.ents and the PubTator output, per type, after a save and a
load in a new process, and through `annotate`."""
import json
import subprocess
import sys

import pytest

pytest.importorskip("scispacy", reason="linking needs the scispacy extra")

from spacy_aioner.corpora.pubtator import format_pubtator  # noqa: E402
from tests.pipeline.conftest import TRAIN  # noqa: E402

SENTENCE = TRAIN[0][0]  # "BRCA1 mutation causes breast cancer in human patients."


def test_each_type_is_linked_against_its_own_kb(linked_pipeline_dir):
    import spacy

    nlp = spacy.load(linked_pipeline_dir)
    doc = nlp(SENTENCE)
    ids = {(s.text, s.label_): s.kb_id_ for s in doc.spans["aioner"]}
    assert ids[("BRCA1", "Gene")] == "672" and ids[("breast cancer", "Disease")] == "D001943"
    assert ids[("human", "Species")] == "9606"  # not the Disease KB's D999999
    assert {(e.text, e.kb_id_) for e in doc.ents} >= {("BRCA1", "672"), ("human", "9606")}
    assert "scores" in doc.spans["aioner"].attrs  # the group keeps its attrs
    lines = format_pubtator(doc).splitlines()
    assert any(line.endswith("\tBRCA1\tGene\t672") for line in lines)


def test_fuzzy_match_and_the_exact_baseline(linked_pipeline_dir):
    import spacy

    nlp = spacy.load(linked_pipeline_dir)
    linker = nlp.get_pipe("aioner_linker")
    assert linker.link_texts("Disease", [["Breast-Cancer"], ["breast cancer s"], ["asthma"]]) == [
        "D001943", "D001943", None]
    linker.fold = linker.use_ann = False
    assert linker.link_texts("Disease", [["Breast-Cancer"], ["BREAST CANCER"]]) == [None, "D001943"]
    assert linker.link_texts("Variant", [["p.V600E"]]) == ["p|SUB|V|600|E"]  # no KB: the normalizer


def test_the_linked_pipeline_loads_in_a_new_process_and_annotate_writes_identifiers(linked_pipeline_dir, tmp_path):
    code = ("import spacy, json; nlp = spacy.load(r'%s'); d = nlp(%r); "
            "print(json.dumps({s.text: s.kb_id_ for s in d.spans['aioner']}))") % (linked_pipeline_dir, SENTENCE)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.splitlines()[-1])["BRCA1"] == "672"
    source = tmp_path / "in" / "one.PubTator"
    source.parent.mkdir()
    source.write_text(f"1|t|{SENTENCE}\n1|a|\n\n", encoding="utf8")
    run = subprocess.run([sys.executable, "-m", "spacy_aioner", "annotate", str(source), "--model", str(linked_pipeline_dir),
                          "--output", str(tmp_path / "out")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    written = (tmp_path / "out" / "one.PubTator").read_text(encoding="utf8")
    assert "1\t0\t5\tBRCA1\tGene\t672" in written and "\thuman\tSpecies\t9606" in written
