"""The whole `all` workflow with tiny overrides, on the real offline MiniLM: convert, train a
few steps, evaluate, package; then the packaged pipeline installs and loads with no import, and
the significance script scores the trained pipeline against itself, from the pipeline or from
the per-document counts that evaluate keeps."""
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import CORPORA, corpus_file, pubtator_blocks
from tests.project.workflow import PYTHON, copy_project, run_short_workflow



def run(args, cwd, env=None):
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_all_workflow_runs_end_to_end(tmp_path):
    corpus_file("pubtator", "BioRED_TrainDev.PubTator")
    project = copy_project(tmp_path)
    # a stand-in test set: NCBI-disease's first document, which convert must keep out of training
    ncbi_first = pubtator_blocks(corpus_file("pubtator", "NCBIdisease_TrainDev.PubTator"), [0])
    (project / "assets/test/NCBIdisease_Test.PubTator").write_text(ncbi_first[0], encoding="utf8")
    run_short_workflow(project, "all")
    report = json.loads((project / "corpus/all/report.json").read_text())
    assert len(report) == 10 and all(r["mentions_read"] == r["in_spans"] + r["dropped"] for r in report)
    # the training mix: every converted DocBin, BioRED's nine times (the default biored_repeat)
    converted = sorted(p.name for p in (project / "corpus/all/train").glob("*.spacy"))
    mixed = sorted(p.name for p in (project / "corpus/all/mix").glob("*.spacy"))
    assert mixed == sorted(converted + [f"BioRED_TrainDev.ALL.copy{i}.spacy" for i in range(2, 10)])
    assert [r["excluded"] for r in report if "NCBIdisease" in r["path"]] == [1]
    assert sum(r["excluded"] for r in report) == 1
    # BioRED's dev split under ALL, and every external corpus's own dev split under its own task
    metrics = json.loads((project / "metrics/all.json").read_text())
    assert metrics["results"]["dev.spacy"]["docs"] == 100 and metrics["results"]["dev.spacy"]["task"] == "ALL"
    assert 0.0 <= metrics["results"]["dev.spacy"]["ents_f"] <= 1.0
    assert len(metrics["results"]) == 10 and metrics["mean_f"]["corpus/all/dev"]["docbins"] == 9
    assert metrics["results"]["SPECIES_Train.Species.spacy"]["docs"] == 13  # ceil(0.02 x 639)
    assert json.loads((project / "metrics/all_train_time.json").read_text())["exit_code"] == 0
    assert_a_rerun_after_another_profile_does_not_train_again(project)  # before the test set below grows
    assert_significance_of_a_pipeline_against_itself_is_nil(project)
    assert_test_sets_present_are_scored_each_on_its_own(project)
    sdists = list((project / "packages/all").glob("*/dist/*.tar.gz"))
    assert len(sdists) == 1
    # the package installs (here into a target folder) and loads with no import of spacy_aioner
    target = tmp_path / "site"
    run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-q", "--target", str(target),
         str(sdists[0])], cwd=tmp_path)
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = run([sys.executable, "-c", "import spacy; nlp = spacy.load('en_aioner_minilm'); doc = nlp('BRCA1 in breast cancer.');"
               " print(nlp.pipe_names, 'aioner' in doc.spans,"
               " nlp.get_pipe('aioner_transformer').model.transformer.config.attention_probs_dropout_prob == 0,"
               " nlp.get_pipe('aioner').cfg.get('calibration') is not None)"],
              cwd=tmp_path, env=env)
    # the packaged pipeline: the abbreviation step, the config's attention dropout (0), a calibration
    assert "['aioner_transformer', 'aioner', 'abbreviation_detector', 'aioner_abbreviations'] True True True" in out
    abbreviations = json.loads((project / "metrics/all_abbreviations.json").read_text())
    assert set(abbreviations) == {"with", "without", "delta_f"}
    calibration = json.loads((project / "metrics/all_calibration.json").read_text())
    assert 0.0 <= calibration["ece_after_out_of_fold"] <= 1.0 and calibration["mentions"] > 0
    assert (project / "metrics/all_reliability.png").exists() and (project / "metrics/all_precision_recall.png").exists()
    assert_training_log_plots_and_run_is_recorded(project)
    assert_distill_runs_from_the_trained_all_pipeline(project)


def assert_distill_runs_from_the_trained_all_pipeline(project):
    """`distill` after `all`: the teacher labels small uncapped-style corpora, a 2-layer student
    trains a few steps, is evaluated, calibrated and packaged as the fast profile."""
    import spacy
    from spacy.tokens import DocBin

    from spacy_aioner.corpora.doc_ids import docbin_doc_ids

    run_short_workflow(project, "distill", "--vars.no_cap", "400",
                       overrides="--components.aioner_transformer.model.transformer_config.num_hidden_layers 2")
    teacher_report = json.loads((project / "corpus/distill/teacher/teacher_report.json").read_text())
    assert len(teacher_report) == 9 and "BC5CDR_TrainDev" in teacher_report  # its two tasks, one corpus
    assert set(teacher_report["BC5CDR_TrainDev"]["gold"]) <= {"Chemical", "Disease"}
    held_out = docbin_doc_ids([project / "corpus/distill/dev.spacy", project / "corpus/distill/dev"])
    assert held_out == docbin_doc_ids([project / "corpus/all/dev.spacy", project / "corpus/all/dev"])
    assert not held_out & docbin_doc_ids([project / "corpus/distill/teacher"])
    docs = list(DocBin().from_disk(project / "corpus/distill/teacher/BioRED_TrainDev.ALL.spacy").get_docs(spacy.blank("en").vocab))
    assert docs and all(d.user_data["aioner_teacher"].shape[0] == len(d) for d in docs)
    student = spacy.load(project / "training/distill/model-final")
    assert len(student.get_pipe("aioner_transformer").model.transformer.encoder.layer) == 2
    student_config = spacy.util.load_config(project / "configs/aioner_student.cfg")
    assert student.pipe_names[-1] == "aioner_abbreviations"
    assert student.get_pipe("aioner").distill_weight == student_config["components"]["aioner"]["distill_weight"]
    assert json.loads((project / "metrics/distill.json").read_text())["results"]["dev.spacy"]["docs"] == 100
    assert [p.name for p in (project / "packages/distill").glob("*/dist/*.tar.gz")] == ["en_aioner_minilm_fast-0.1.0.tar.gz"]


def assert_a_rerun_after_another_profile_does_not_train_again(project):
    """The profiles share the train command, so weasel's lock names only the last one trained: after
    another profile, `all` again converts (seconds) but finds its training done, on the same data,
    and keeps it. (Once a test set grows, as below, the data differ and it trains again.)"""
    trained = (project / "training/all/model-last/meta.json").read_bytes()
    run_short_workflow(project, "baseline")
    assert (project / "training/baseline/model-best").exists()
    out = run_short_workflow(project, "all")
    assert "training/all/model-last: made by this command, with these inputs, before" in out
    assert (project / "training/all/model-last/meta.json").read_bytes() == trained


def assert_training_log_plots_and_run_is_recorded(project):
    """The train step keeps its log; plot_curves reads its evaluation rows, record adds the run."""
    out = run([PYTHON, "scripts/plot_curves.py", "all=training/all/train.log", "--png", "docs/curve.png",
               "--csv", "docs/curve.csv"], cwd=project)
    assert "all" in out and (project / "docs/curve.png").stat().st_size > 1000
    rows = (project / "docs/curve.csv").read_text().splitlines()
    assert rows[0] == "run,step,dev_f1" and [r.split(",")[1] for r in rows[1:]] == ["2", "4"]
    run([PYTHON, "-m", "spacy", "project", "run", "record", "."], cwd=project)
    recorded = (project / "docs/results/runs.csv").read_text().splitlines()
    assert len(recorded) == 2 and recorded[1].startswith("all,aioner_minilm.cfg,0,4,0.0002,0.0,BioRED 400 x9 + 9")


def assert_significance_of_a_pipeline_against_itself_is_nil(project):
    """scripts/significance.py on a real pipeline: its per-document counts, overall and per type,
    agree with spaCy's scorer (the script checks), and A − A is 0 with a nil interval; B's counts
    reused from a report (--b-counts), or A's from the counts file evaluate wrote, give the same
    report."""
    model = "training/all/model-best"
    run([PYTHON, "scripts/significance.py", model, model, "corpus/all/dev.spacy", "metrics/self.json",
         "--samples", "200"], cwd=project)
    report = json.loads((project / "metrics/self.json").read_text())
    assert len(report["document_ids"]) == len(report["counts_a"]) == 100
    assert report["per_type"] and set(report["per_type"]) == set(report["counts_by_type_a"])
    for result in [report, *report["per_type"].values()]:
        assert result["difference"] == result["ci95_low"] == result["ci95_high"] == 0.0
    for doc, counts in enumerate(report["counts_a"]):
        by_type = [report["counts_by_type_a"][label][doc] for label in report["counts_by_type_a"]]
        assert [sum(column) for column in zip(*by_type)] == counts
    # B's counts taken from that report give the same report; a report of another B is refused
    run([PYTHON, "scripts/significance.py", model, model, "corpus/all/dev.spacy", "metrics/reused.json",
         "--samples", "200", "--b-counts", "metrics/self.json"], cwd=project)
    assert json.loads((project / "metrics/reused.json").read_text()) == report
    refused = subprocess.run([PYTHON, "scripts/significance.py", model, "training/all/model-last",
                              "corpus/all/dev.spacy", "metrics/other.json", "--b-counts", "metrics/self.json"],
                             cwd=project, capture_output=True, text=True)
    assert refused.returncode != 0 and "metrics/self.json: its model_b is" in refused.stderr
    assert not (project / "metrics/other.json").exists()
    # the workflow's evaluate kept the pipeline's counts: in place of the pipeline they give the
    # same report; counts of other data are refused
    counted = json.loads((project / "metrics/all_counts.json").read_text())
    assert counted["document_ids"] == report["document_ids"] and counted["counts"] == report["counts_a"]
    run([PYTHON, "scripts/significance.py", "metrics/all_counts.json", model, "corpus/all/dev.spacy",
         "metrics/from_counts.json", "--samples", "200"], cwd=project)
    assert json.loads((project / "metrics/from_counts.json").read_text()) == {**report, "model_a": "metrics/all_counts.json"}
    refused = subprocess.run([PYTHON, "scripts/significance.py", "metrics/all_counts.json", model,
                              "corpus/all/train/BioRED_TrainDev.ALL.spacy", "metrics/other.json"],
                             cwd=project, capture_output=True, text=True)
    assert refused.returncode != 0 and "metrics/all_counts.json: it counts 'corpus/all/dev.spacy'" in refused.stderr
    assert not (project / "metrics/other.json").exists()


def assert_test_sets_present_are_scored_each_on_its_own(project):
    """evaluate-tests with one of the ten official test sets there (the stand-in): it is
    converted and scored on its own, and the other manifest lines are reported as missing."""
    out = run([PYTHON, "-m", "spacy", "project", "run", "evaluate-tests", "."], cwd=project)
    # the audit reads the documents the pipeline learned from, which it records
    assert "0 held-out documents of corpus/test/train (1) in the training documents of training/all/model-best" in out
    report = json.loads((project / "corpus/test/report.json").read_text())
    assert [Path(r["path"]).name for r in report if not r["missing"]] == ["NCBIdisease_Test.PubTator"]
    assert len(report) == 11 and sum(r["missing"] for r in report) == 10
    results = json.loads((project / "metrics/all_tests.json").read_text())["results"]
    assert list(results) == ["NCBIdisease_Test.Disease.spacy"] and results["NCBIdisease_Test.Disease.spacy"]["docs"] == 1
    assert set(results["NCBIdisease_Test.Disease.spacy"]["ents_per_type"] or {}) <= {"Disease"}
    # a test set that grows is a change of input: convert and evaluate-tests run again, not "nothing changed"
    blocks = pubtator_blocks(corpus_file("pubtator", "NCBIdisease_TrainDev.PubTator"), [0, 1])
    (project / "assets/test/NCBIdisease_Test.PubTator").write_text("\n".join(blocks), encoding="utf8")
    run([PYTHON, "-m", "spacy", "project", "run", "convert", ".", "--vars.corpus_dir", str(CORPORA / "pubtator"),
         "--vars.external_tokens", "300", "--vars.external_dev", "0.02"], cwd=project)
    assert sum(r["excluded"] for r in json.loads((project / "corpus/all/report.json").read_text())) == 2
    run([PYTHON, "-m", "spacy", "project", "run", "evaluate-tests", "."], cwd=project)
    results = json.loads((project / "metrics/all_tests.json").read_text())["results"]
    assert results["NCBIdisease_Test.Disease.spacy"]["docs"] == 2
