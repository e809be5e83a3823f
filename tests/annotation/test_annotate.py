import json
import subprocess
import sys

import bioc
import pytest

from spacy_aioner.annotation.engines import LocalEngine, WorkerError
from spacy_aioner.annotation.job import annotate_files
from spacy_aioner.annotation.settings import RunSettings
from spacy_aioner.corpora.bioc import read_bioc
from spacy_aioner.corpora.pubtator import read_pubtator
from tests.annotation.conftest import run_files
from tests.conftest import corpus_file


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    for name in ("ex1.PubTator", "ex2.BioC.xml"):
        (folder / name).write_bytes(corpus_file("examples", name).read_bytes())
    return folder


def outputs_of(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_annotates_pubtator_and_bioc_with_text_and_offsets_intact(model, inputs, tmp_path):
    engine = LocalEngine(model)
    summary = annotate_files([inputs], tmp_path / "out", engine, batch_size=4)
    engine.close()
    assert summary.files_done == 2 and summary.rejected == 0 and not summary.files_failed
    source_pt = list(read_pubtator(inputs / "ex1.PubTator"))
    out_pt = list(read_pubtator(tmp_path / "out" / "ex1.PubTator"))
    assert [(d.id, [p.text for p in d.passages]) for d in out_pt] == [(d.id, [p.text for p in d.passages]) for d in source_pt]
    with open(tmp_path / "out" / "ex2.BioC.xml", encoding="utf8") as stream:
        written = bioc.biocxml.load(stream)
    with open(inputs / "ex2.BioC.xml", encoding="utf8") as stream:
        original = bioc.biocxml.load(stream)
    assert [[(p.offset, p.text or "") for p in d.passages] for d in written.documents] == [
        [(p.offset, p.text or "") for p in d.passages] for d in original.documents]
    mentions = [m for d in out_pt for m in d.mentions] + [m for d in read_bioc(tmp_path / "out" / "ex2.BioC.xml") for m in d.mentions]
    assert mentions and sum(summary.mentions.values()) == len(mentions)
    for doc in list(read_bioc(tmp_path / "out" / "ex2.BioC.xml")):  # every mention's text is at its offsets
        for m in doc.mentions:
            passage = next(p for p in doc.passages if p.offset <= m.start and m.end <= p.offset + len(p.text))
            assert passage.text[m.start - passage.offset : m.end - passage.offset] == m.text
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["documents"] == summary.documents


def test_resume_after_a_crash_finishes_without_duplicates(model, inputs, tmp_path):
    engine = LocalEngine(model)

    done = []

    def crashing(batches, fmt):  # killed while the second file is half done
        for results in engine(batches, fmt):
            done.append(results)
            if len(done) == 3:
                raise KeyboardInterrupt("killed")
            yield results

    with pytest.raises(KeyboardInterrupt):
        annotate_files([inputs / "ex2.BioC.xml", inputs / "ex1.PubTator"], tmp_path / "out", crashing, batch_size=1)
    # the finished file is in place, the unfinished one left nothing behind (no partial, no temp file)
    assert run_files(tmp_path / "out") == ["ex2.BioC.xml", "summary.json"]
    interrupted = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert interrupted["interrupted"] == "KeyboardInterrupt: killed" and interrupted["files_done"] == 1
    summary = annotate_files([inputs], tmp_path / "out", engine, batch_size=1)
    engine.close()
    assert summary.files_already_done == 1 and summary.files_done == 1
    reference = tmp_path / "reference"
    annotate_files([inputs], reference, LocalEngine(model), batch_size=1)
    for name in ("ex1.PubTator", "ex2.BioC.xml"):
        assert (tmp_path / "out" / name).read_bytes() == (reference / name).read_bytes()


def test_failing_documents_go_to_rejects_and_the_run_goes_on(model, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    huge = "gene " * 220_000  # over nlp.max_length
    (folder / "mixed.PubTator").write_text(
        f"1|t|BRCA1 mutation causes breast cancer.\n1|a|\n\n2|t|{huge}\n2|a|\n\n3|t|Aspirin induced diabetes.\n3|a|\n\n",
        encoding="utf8")
    (folder / "broken.PubTator").write_text("9\t0\t3\tabc\tGene\n", encoding="utf8")
    engine = LocalEngine(model)
    summary = annotate_files([folder], tmp_path / "out", engine, batch_size=8)
    engine.close()
    assert summary.rejected == 1 and summary.documents == 3
    assert [d.id for d in read_pubtator(tmp_path / "out" / "mixed.PubTator")] == ["1", "3"]
    rejects = (tmp_path / "out" / "mixed.PubTator.rejects.tsv").read_text().splitlines()
    assert len(rejects) == 1 and rejects[0].startswith("2\tValueError: document of") and "max_length" in rejects[0]
    assert "broken.PubTator" in next(iter(summary.files_failed)) and "line 1" in next(iter(summary.files_failed.values()))
    assert not (tmp_path / "out" / "broken.PubTator").exists()


def test_worker_processes_give_the_same_output(model, inputs, tmp_path):
    one = LocalEngine(model)
    annotate_files([inputs], tmp_path / "one", one, batch_size=2)
    one.close()
    two = LocalEngine(model, n_process=2)
    annotate_files([inputs], tmp_path / "two", two, batch_size=2)
    two.close()
    assert outputs_of(tmp_path / "one").keys() == outputs_of(tmp_path / "two").keys()
    for name in ("ex1.PubTator", "ex2.BioC.xml"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


@pytest.mark.xdist_group("ray")  # one worker: local Ray clusters share ports
def test_ray_engine_gives_the_same_output_as_local(model, inputs, tmp_path):
    pytest.importorskip("ray")
    cmd = [sys.executable, "-m", "spacy_aioner", "annotate", str(inputs), "--model", model, "--batch-size", "2"]
    local = subprocess.run(cmd + ["--output", str(tmp_path / "local")], capture_output=True, text=True)
    assert local.returncode == 0, local.stderr[-2000:]
    ray = subprocess.run(cmd + ["--output", str(tmp_path / "ray"), "--engine", "ray", "--n-process", "2"],
                         capture_output=True, text=True)
    assert ray.returncode == 0, ray.stderr[-3000:]
    for name in ("ex1.PubTator", "ex2.BioC.xml"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "ray" / name).read_bytes()
    assert json.loads(local.stdout)["documents"] == json.loads(ray.stdout)["documents"] > 0


@pytest.mark.xdist_group("ray")  # one worker: local Ray clusters share ports
def test_ray_actors_load_the_pipeline_once_for_every_file(model, inputs, tmp_path):
    pytest.importorskip("ray")
    from spacy_aioner.annotation.engines import RayEngine

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):  # five files: each used to get its own actors, and its own pipeline loads
        (folder / f"copy{i}.PubTator").write_bytes((inputs / "ex1.PubTator").read_bytes())
    (folder / "ex2.BioC.xml").write_bytes((inputs / "ex2.BioC.xml").read_bytes())
    (folder / "ex1.PubTator").write_bytes((inputs / "ex1.PubTator").read_bytes())
    engine = RayEngine(model, n_actors=2)
    try:
        summary = annotate_files([folder], tmp_path / "out", engine, batch_size=2)
        assert summary.files_done == 5 and not summary.files_failed
        assert engine.pipeline_loads() == 2
    finally:
        engine.close()
    local = LocalEngine(model)
    annotate_files([folder], tmp_path / "local", local, batch_size=2)
    local.close()
    for name in outputs_of(folder):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    greedy = RayEngine(model, n_actors=4096)  # more actors than CPUs: refused, not a hang
    try:
        with pytest.raises(WorkerError, match="4096 Ray actors need 4096 CPUs"):
            annotate_files([folder], tmp_path / "greedy", greedy, batch_size=2)
    finally:
        greedy.close()


def test_quantize_and_min_score_reach_the_loaded_pipeline(model, inputs, tmp_path):
    engine = LocalEngine(model, quantize="int8")
    nlp = engine.annotator.nlp
    assert nlp.get_pipe("aioner_transformer").model.quantized == "int8"
    summary = annotate_files([inputs], tmp_path / "out", engine, batch_size=4, settings=RunSettings.parse(min_score=0.5))
    everything = annotate_files([inputs], tmp_path / "all", engine, batch_size=4, settings=RunSettings.parse(min_score=0.0))
    engine.close()
    assert summary.files_done == 2 and not summary.files_failed
    for doc in read_pubtator(tmp_path / "out" / "ex1.PubTator"):
        assert all(m.type for m in doc.mentions)
    with open(tmp_path / "out" / "ex2.BioC.xml", encoding="utf8") as stream:
        kept = [a for d in bioc.biocxml.load(stream).documents for p in d.passages for a in p.annotations]
    assert all(float(a.infons["score"]) >= 0.5 for a in kept)
    assert sum(summary.mentions.values()) < sum(everything.mentions.values())


def test_a_stopped_file_resumes_from_its_last_finished_part(model, tmp_path):
    """A long file annotated in parts of 2 documents, killed in its third part: the rerun annotates
    only the documents after the second part, and the output is the uninterrupted run's, byte for byte."""
    from tests.annotation.test_bad_days import pubtator

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "long.PubTator").write_text(pubtator(7), encoding="utf8")
    engine = LocalEngine(model)
    seen = []

    def killed(batches, settings):
        for results in engine(batches, settings):
            seen.extend(r.doc_id for r in results)
            if len(seen) == 5:
                raise KeyboardInterrupt("killed")
            yield results

    with pytest.raises(KeyboardInterrupt):
        annotate_files([folder], tmp_path / "out", killed, batch_size=1, part_size=2)
    assert run_files(tmp_path / "out") == [".long.PubTator.part-00000", ".long.PubTator.part-00001",
                                           ".long.PubTator.parts.json", "summary.json"]
    seen.clear()

    def counting(batches, settings):
        for results in engine(batches, settings):
            seen.extend(r.doc_id for r in results)
            yield results

    summary = annotate_files([folder], tmp_path / "out", counting, batch_size=1, part_size=2)
    assert seen == ["5", "6", "7"] and summary.files_done == 1 and summary.documents == 7
    assert summary.documents_this_run == 3 and summary.files[str(folder / "long.PubTator")].resumed_documents == 4
    annotate_files([folder], tmp_path / "reference", engine, batch_size=3)
    engine.close()
    assert (tmp_path / "out" / "long.PubTator").read_bytes() == (tmp_path / "reference" / "long.PubTator").read_bytes()
    assert run_files(tmp_path / "out") == ["long.PubTator", "summary.json"]
