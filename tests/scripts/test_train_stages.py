"""scripts/train_stages.py on the real offline MiniLM, a few steps per stage: the second stage
starts from the first's pipeline, a finished stage is skipped on a rerun, an interrupted one
(no DONE mark) is trained again; SPACY_CONFIG_OVERRIDES reach every stage and stages.json."""
import json
import os
import subprocess
import sys
from pathlib import Path

import spacy

from spacy_aioner.corpora.docbin import convert_manifest
from spacy_aioner.corpora.manifest import load_manifest
from spacy_aioner.scheme import AIO
from spacy_aioner.tokenizer import blank_biomedical
from tests.conftest import corpus_file, pubtator_blocks

ROOT = Path(__file__).resolve().parents[2]


def test_stages_resume_after_an_interruption(tmp_path):
    biored = corpus_file("pubtator", "BioRED_TrainDev.PubTator")
    corpus = tmp_path / "corpora"
    corpus.mkdir()
    (corpus / "BioRED_TrainDev.PubTator").write_text("\n".join(pubtator_blocks(biored, range(8))), encoding="utf8")
    manifest = tmp_path / "manifest.tsv"
    manifest.write_text("BioRED_TrainDev.PubTator\tALL\tGene:Gene\tChemical:Chemical\tDisease:Disease\t"
                        "CellLine:CellLine\tSpecies:Species\tVariant:Variant\n", encoding="utf8")
    convert_manifest(blank_biomedical(), load_manifest(manifest, AIO), corpus, tmp_path / "aio",
                     dev_file="BioRED_TrainDev.PubTator", dev_docs=2)
    out = tmp_path / "staged"
    command = [sys.executable, str(ROOT / "scripts/train_stages.py"), str(out), "--stages", "2", "--steps", "2",
               "--config", str(ROOT / "configs/aioner_minilm.cfg"),
               "--resume-config", str(ROOT / "configs/aioner_minilm_resume.cfg"), "--",
               "--paths.train", str(tmp_path / "aio/train"), "--paths.dev", str(tmp_path / "aio/dev.spacy")]
    env = {**os.environ, "SPACY_CONFIG_OVERRIDES": "--training.eval_frequency 2"}
    first = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    assert (out / "stage-1/DONE").exists() and (out / "stage-2/DONE").exists()
    log = (out / "stage-2.log").read_text()
    stages = json.loads((out / "stages.json").read_text())
    assert "--paths.base_model" in stages["stages"]["2"]["command"]
    assert [stage["config_overrides"] for stage in stages["stages"].values()] == ["--training.eval_frequency 2"] * 2
    assert "Training pipeline" in log
    assert spacy.load(out / "model-best").pipe_names == ["aioner_transformer", "aioner"]
    (out / "stage-2/DONE").unlink()  # as if the second stage had been stopped
    second = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "stage 1: done before, skipped" in second.stdout and "stage 2: " in second.stdout
    assert (out / "stage-2/DONE").exists()
