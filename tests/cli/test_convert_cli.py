import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

from spacy.tokens import DocBin

from tests.conftest import CORPORA, corpus_file, pubtator_blocks


BIORED_LINE = ("BioRED_TrainDev.PubTator\tALL\tGene:Gene\tChemical:Chemical\tDisease:Disease\tCellLine:CellLine\t"
               "Species:Species\tVariant:Variant\n")
TMVAR_LINE = "tmVar3_Train.PubTator\tVariant\tVariant:ProteinMutation|DNAMutation|SNP\n"


def convert_pubtator(tmp_path, manifest_lines, *options, corpus_dir=CORPORA / "pubtator", check=True):
    """Run the convert command on `corpus_dir` (the shared PubTator corpora) with a manifest of
    `manifest_lines`."""
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("".join(manifest_lines), encoding="utf8")
    out = tmp_path / "corpus"
    result = subprocess.run(
        [sys.executable, "-m", "spacy_aioner", "convert", str(corpus_dir), str(out),
         "--manifest", str(manifest), *options],
        capture_output=True, text=True, check=check,
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


def test_external_dev_holds_out_the_last_documents_of_every_other_file(tmp_path, nlp):
    """Each external corpus gets its own dev split, and no training file keeps a document of any
    dev split: tmVar3's last abstracts are not in NLM-Gene's training either."""
    corpus_file("pubtator", "tmVar3_Train.PubTator")
    corpus_file("pubtator", "NLMgene_Train.PubTator")
    nlm_gene_line = "NLMgene_Train.PubTator\tGene\tGene:Gene|FamilyName\n"
    out, result = convert_pubtator(tmp_path, [TMVAR_LINE, nlm_gene_line, BIORED_LINE],
                                   "--dev-docs", "100", "--external-dev", "0.1", "--max-docs", "300", "--lenient")
    report = json.loads((out / "report.json").read_text())
    load = lambda path: list(DocBin().from_disk(path).get_docs(nlp.vocab))  # noqa: E731
    dev_ids = {d._.aioner_doc_id for d in load(out / "dev.spacy")}
    biored = {line.split("|")[0] for line in open(report[2]["path"], encoding="utf8") if "|t|" in line}
    for stem, entry in [("tmVar3_Train.Variant", report[0]), ("NLMgene_Train.Gene", report[1])]:
        pmids = [line.split("|")[0] for line in open(entry["path"], encoding="utf8") if "|t|" in line]
        eligible = [pmid for pmid in pmids if pmid not in biored]  # BioRED's training part stays whole
        assert len(eligible) < len(pmids)
        dev = load(out / "dev" / f"{stem}.spacy")
        assert [d._.aioner_doc_id for d in dev] == eligible[-len(dev):] and len(dev) == -(-len(eligible) // 10)
        assert entry["dev_documents"] == len(dev) and {d._.aioner_task for d in dev} == {entry["task"]}
        dev_ids |= {d._.aioner_doc_id for d in dev}
    assert report[2]["dev_documents"] == 100 and report[2]["written_documents"] == 500 and not (out / "dev" / "BioRED_TrainDev.ALL.spacy").exists()
    for name in ["tmVar3_Train.Variant", "NLMgene_Train.Gene", "BioRED_TrainDev.ALL"]:
        assert not dev_ids & {d._.aioner_doc_id for d in load(out / "train" / f"{name}.spacy")}
    assert "dev_documents" in result.stdout


def test_external_dev_is_a_fraction(tmp_path):
    corpus_file("pubtator", "tmVar3_Train.PubTator")
    out, result = convert_pubtator(tmp_path, [TMVAR_LINE], "--dev-docs", "0", "--external-dev", "1.5", check=False)
    assert result.returncode == 1 and "external_dev is a fraction" in result.stderr and not out.exists()


def test_exclude_docs_leaves_those_documents_out_of_training_only(tmp_path, nlp):
    """As with the official test sets in assets/test: training loses them, the dev split does not."""
    ncbi = corpus_file("pubtator", "NCBIdisease_TrainDev.PubTator")
    biored = corpus_file("pubtator", "BioRED_TrainDev.PubTator")
    test_dir = tmp_path / "test_sets"
    test_dir.mkdir()
    # NCBI-disease's first three documents, BioRED's first (training) and last (dev) one
    blocks = pubtator_blocks(ncbi, [0, 1, 2]) + pubtator_blocks(biored, [0, -1])
    (test_dir / "Some_Test.PubTator").write_text("\n".join(blocks), encoding="utf8")
    (test_dir / "README.md").write_text("not a corpus\n", encoding="utf8")
    ncbi_line = ("NCBIdisease_TrainDev.PubTator\tDisease\t"
                 "Disease:DiseaseClass|SpecificDisease|CompositeMention|Modifier\n")
    out, result = convert_pubtator(tmp_path, [ncbi_line, BIORED_LINE], "--dev-docs", "100", "--max-docs", "20",
                                   "--lenient", "--exclude-docs", str(test_dir))
    excluded = {block.split("|")[0] for block in blocks}
    assert len(excluded) == 5
    assert "5 ids, from " in result.stdout and f"not read: {test_dir / 'README.md'}" in result.stdout
    report = json.loads((out / "report.json").read_text())
    first_ncbi = blocks[0].split("|")[0]
    assert report[0]["excluded"] == 3 and report[0]["excluded_example"].endswith(f"'{first_ncbi}'")
    train_ncbi = list(DocBin().from_disk(out / "train" / "NCBIdisease_TrainDev.Disease.spacy").get_docs(nlp.vocab))
    assert len(train_ncbi) == 20 and not excluded & {d._.aioner_doc_id for d in train_ncbi}
    assert report[1]["excluded"] == 1 and report[1]["excluded_kept_in_dev"] == 1
    assert report[1]["written_documents"] == 499  # 399 training + 100 dev
    dev = list(DocBin().from_disk(out / "dev.spacy").get_docs(nlp.vocab))
    assert len(dev) == 100 and len(excluded & {d._.aioner_doc_id for d in dev}) == 1
    left_out = "left out     3 documents of NCBIdisease_TrainDev.PubTator [Disease]: --exclude-docs lists them"
    assert left_out in result.stdout
    assert "kept         1 dev documents of BioRED_TrainDev.PubTator [ALL]" in result.stdout


def test_exclude_docs_names_a_path_that_does_not_exist(tmp_path):
    corpus_file("pubtator", "tmVar3_Train.PubTator")
    result = subprocess.run(
        [sys.executable, "-m", "spacy_aioner", "convert", str(CORPORA / "pubtator"), str(tmp_path / "out"),
         "--exclude-docs", str(tmp_path / "missing_tests")], capture_output=True, text=True,
        env={**os.environ, "COLUMNS": "400"},  # typer's error box wraps a long temporary path at 80
    )
    assert result.returncode != 0 and "missing_tests" in result.stderr and not (tmp_path / "out").exists()


def test_skip_missing_converts_the_files_there_and_names_the_others(tmp_path, nlp):
    """As `evaluate-tests` does with whichever official test sets a user has fetched."""
    test_sets = tmp_path / "test_sets"
    test_sets.mkdir()
    ncbi_blocks = pubtator_blocks(corpus_file("pubtator", "NCBIdisease_TrainDev.PubTator"), [0, 1, 2])
    (test_sets / "NCBIdisease_Test.PubTator").write_text("\n".join(ncbi_blocks), encoding="utf8")
    lines = ["NCBIdisease_Test.PubTator\tDisease\tDisease:DiseaseClass|SpecificDisease|CompositeMention|Modifier\n",
             "BC5CDR_Test.PubTator\tChemical\tChemical:Chemical\n", "BC5CDR_Test.PubTator\tDisease\tDisease:Disease\n"]
    stale = tmp_path / "corpus" / "train" / "BC5CDR_Test.Chemical.spacy"  # from an earlier conversion
    stale.parent.mkdir(parents=True)
    DocBin().to_disk(stale)
    convert = partial(convert_pubtator, tmp_path, corpus_dir=test_sets, check=False)

    out, refused = convert(lines, "--dev-docs", "0", "--lenient")
    assert refused.returncode != 0 and "BC5CDR_Test.PubTator (line 2), BC5CDR_Test.PubTator (line 3)" in refused.stderr
    assert "--skip-missing" in refused.stderr and stale.exists() and not (out / "report.json").exists()
    _, refused = convert(lines, "--dev-docs", "5", "--dev-file", "BC5CDR_Test.PubTator", "--lenient", "--skip-missing")
    assert refused.returncode != 0 and "the dev file is missing" in refused.stderr
    _, refused = convert(lines[1:], "--dev-docs", "0", "--skip-missing")
    assert refused.returncode != 0 and "none of the manifest's files is there" in refused.stderr

    out, result = convert(lines, "--dev-docs", "0", "--lenient", "--skip-missing")
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "report.json").read_text())
    assert [(r["task"], r["missing"]) for r in report] == [("Disease", False), ("Chemical", True), ("Disease", True)]
    assert [r["removed_output"] for r in report] == ["", str(stale), ""] and not stale.exists()
    assert [p.name for p in (out / "train").iterdir()] == ["NCBIdisease_Test.Disease.spacy"]
    docs = list(DocBin().from_disk(out / "train" / "NCBIdisease_Test.Disease.spacy").get_docs(nlp.vocab))
    assert [d._.aioner_doc_id for d in docs] == [block.split("|")[0] for block in ncbi_blocks]
    skipped = f"skipped BC5CDR_Test.PubTator [Chemical]: {test_sets / 'BC5CDR_Test.PubTator'} is missing"
    assert f"{skipped} (--skip-missing); removed its old output {stale}" in result.stdout
    assert "skipped BC5CDR_Test.PubTator [Disease]" in result.stdout
    assert "Converted 1 manifest lines, skipped 2 whose file is missing" in result.stdout


def test_the_target_corpus_is_never_capped_even_without_a_dev_split(tmp_path, nlp):
    """The release conversion (--dev-docs 0) trains on all of BioRED while the caps hold the others."""
    from spacy_aioner.corpora.docbin import convert_manifest
    from spacy_aioner.corpora.manifest import load_manifest
    from spacy_aioner.scheme import AIO

    corpus_file("pubtator", "tmVar3_Train.PubTator")
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(BIORED_LINE + TMVAR_LINE, encoding="utf8")
    reports = convert_manifest(nlp, load_manifest(manifest, AIO), CORPORA / "pubtator", tmp_path / "out",
                               dev_file="BioRED_TrainDev.PubTator", dev_docs=0, max_tokens=1000, lenient=True)
    assert reports[0].written_documents == 500 and reports[0].dev_documents == 0
    assert 0 < reports[1].written_documents < 20  # tmVar3 capped at 1,000 tokens
    assert not (tmp_path / "out" / "dev.spacy").exists()


def test_the_release_conversion_holds_out_the_same_external_dev_splits(tmp_path, nlp):
    """With --dev-docs 0 the external dev splits are those of the dev-split conversion, so the
    release is scored on them; a document of one split (17990063, GNormPlus's) that another corpus
    (tmVar3) also holds is left out of that corpus's training."""
    from spacy_aioner.corpora.docbin import convert_manifest
    from spacy_aioner.corpora.manifest import load_manifest
    from spacy_aioner.scheme import AIO

    corpus_file("pubtator", "GNormPlus_Train.PubTator")
    corpus_file("pubtator", "tmVar3_Train.PubTator")
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text(BIORED_LINE + "GNormPlus_Train.PubTator\tGene\tGene:Gene|FamilyName\n" + TMVAR_LINE,
                        encoding="utf8")

    def convert(name, dev_docs):
        out = tmp_path / name
        reports = convert_manifest(nlp, load_manifest(manifest, AIO), CORPORA / "pubtator", out,
                                   dev_file="BioRED_TrainDev.PubTator", dev_docs=dev_docs, external_dev=0.1,
                                   lenient=True)
        ids = {path.relative_to(out).as_posix(): [d._.aioner_doc_id for d in DocBin().from_disk(path).get_docs(nlp.vocab)]
               for path in sorted(out.glob("*/*.spacy"))}
        return reports, ids

    _, split = convert("aio", 100)
    reports, release = convert("release", 0)
    assert reports[0].written_documents == 500 and reports[0].dev_documents == 0
    dev = {name: ids for name, ids in release.items() if name.startswith("dev/")}
    assert dev == {name: ids for name, ids in split.items() if name.startswith("dev/")}
    assert "17990063" in dev["dev/GNormPlus_Train.Gene.spacy"]
    assert reports[2].dev_overlap == 1
    trained = {i for name, ids in release.items() if name.startswith("train/") for i in ids}
    assert not trained & {i for ids in dev.values() for i in ids}
