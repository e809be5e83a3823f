import json
import subprocess
import sys
from pathlib import Path

from spacy.tokens import DocBin

from tests.conftest import CORPORA, corpus_file


BIORED_LINE = ("BioRED_TrainDev.PubTator\tALL\tGene:Gene\tChemical:Chemical\tDisease:Disease\tCellLine:CellLine\t"
               "Species:Species\tVariant:Variant\n")
TMVAR_LINE = "tmVar3_Train.PubTator\tVariant\tVariant:ProteinMutation|DNAMutation|SNP\n"


def convert_pubtator(tmp_path, manifest_lines, *options):
    """Run the convert command on the shared PubTator corpora with a manifest of `manifest_lines`."""
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("".join(manifest_lines), encoding="utf8")
    out = tmp_path / "corpus"
    result = subprocess.run(
        [sys.executable, "-m", "spacy_aioner", "convert", str(CORPORA / "pubtator"), str(out),
         "--manifest", str(manifest), *options],
        capture_output=True, text=True, check=True,
    )
    return out, result


def test_convert_command_writes_docbins_and_a_report(tmp_path, nlp):
    corpus_file("pubtator", "tmVar3_Train.PubTator")
    out, result = convert_pubtator(tmp_path, [BIORED_LINE, TMVAR_LINE], "--max-docs", "5", "--dev-docs", "3")
    assert "tmVar3_Train.PubTator" in result.stdout and "type 'Gene' not mapped for task Variant" in result.stdout
    report = json.loads((out / "report.json").read_text())
    assert [r["task"] for r in report] == ["ALL", "Variant"]
    assert [r["written_documents"] for r in report] == [500, 5]  # the cap is reported, not silent
    assert all(r["mentions_read"] == r["in_spans"] + r["dropped"] for r in report)
    assert report[0]["written_mentions"] == report[0]["in_spans"]  # BioRED: all of it, train + dev
    variant = list(DocBin().from_disk(out / "train" / "tmVar3_Train.Variant.spacy").get_docs(nlp.vocab))
    assert report[1]["written_tokens"] == sum(len(d) for d in variant)
    assert 0 < report[1]["written_mentions"] == sum(len(d.spans["aioner"]) for d in variant) < report[1]["in_spans"]
    assert len(variant) == 5 and all(d._.aioner_task == "Variant" for d in variant)
    assert {e.label_ for d in variant for e in d.ents} == {"Variant"}
    assert len(DocBin().from_disk(out / "dev.spacy")) == 3
    assert len(DocBin().from_disk(out / "train" / "BioRED_TrainDev.ALL.spacy")) == 497  # never capped


def test_convert_new_entity_types_needs_their_label_vocab(tmp_path, nlp):
    labels = corpus_file("conll", "AnEM_label.vocab")
    corpus_file("conll", "AnEM_train.conll")
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("AnEM_train.conll\tALL\tCell:Cell\tOrgan:Organ\tTissue:Tissue\n", encoding="utf8")
    command = [sys.executable, "-m", "spacy_aioner", "convert", str(CORPORA / "conll"), str(tmp_path / "out"),
               "--manifest", str(manifest), "--dev-file", "AnEM_train.conll", "--dev-docs", "100"]
    refused = subprocess.run(command, capture_output=True, text=True)
    assert refused.returncode != 0 and "manifest.tsv, line 1" in refused.stderr and "Gene" in refused.stderr
    result = subprocess.run(command + ["--labels", str(labels)], capture_output=True, text=True, check=True)
    assert "type 'Pathological_formation' not mapped for task ALL" in result.stdout  # counted, not silent
    docs = list(DocBin().from_disk(tmp_path / "out" / "train" / "AnEM_train.ALL.spacy").get_docs(nlp.vocab))
    assert len(docs) == 2815 - 100 and all(d._.aioner_task == "ALL" for d in docs)
    assert {e.label_ for d in docs for e in d.ents} == {"Cell", "Organ", "Tissue"}


def test_training_files_leave_out_the_dev_documents(tmp_path, nlp):
    """tmVar3 and NLM-Gene annotate some of the abstracts that form BioRED's dev split."""
    corpus_file("pubtator", "tmVar3_Train.PubTator")
    corpus_file("pubtator", "NLMgene_Train.PubTator")
    nlm_gene_line = "NLMgene_Train.PubTator\tGene\tGene:Gene|FamilyName\n"
    # the dev file listed last: its dev documents must still be known first
    out, result = convert_pubtator(tmp_path, [TMVAR_LINE, nlm_gene_line, BIORED_LINE],
                                   "--dev-docs", "100", "--max-docs", "300", "--lenient")
    dev_ids = {d._.aioner_doc_id for d in DocBin().from_disk(out / "dev.spacy").get_docs(nlp.vocab)}
    report = json.loads((out / "report.json").read_text())
    assert [r["task"] for r in report] == ["Variant", "Gene", "ALL"]  # manifest order kept
    for stem, entry in [("tmVar3_Train.Variant", report[0]), ("NLMgene_Train.Gene", report[1])]:
        pmids = [line.split("|")[0] for line in open(entry["path"], encoding="utf8") if "|t|" in line]
        repeats = len([pmid for pmid in pmids if pmid in dev_ids])
        assert repeats > 0 and entry["dev_overlap"] == repeats
        assert entry["dev_overlap_example"].endswith("'" + next(p for p in pmids if p in dev_ids) + "'")
        docs = list(DocBin().from_disk(out / "train" / f"{stem}.spacy").get_docs(nlp.vocab))
        assert not dev_ids & {d._.aioner_doc_id for d in docs}
        assert len(docs) == min(300, len(pmids) - repeats)  # the cap counts what is left
        assert f"left out {repeats:>5} documents of {Path(entry['path']).name}" in result.stdout
    assert report[2]["dev_overlap"] == 0 and report[2]["written_documents"] == 500
