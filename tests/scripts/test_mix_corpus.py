"""scripts/mix_corpus.py copies a folder of DocBins, repeating the named ones, and spaCy's corpus
reader then sees the repeated documents that many times per epoch."""
import subprocess
import sys
from pathlib import Path

import spacy
from spacy.tokens import DocBin
from spacy.training import Corpus

ROOT = Path(__file__).resolve().parents[2]


def mix(*args):
    return subprocess.run([sys.executable, str(ROOT / "scripts/mix_corpus.py"), *map(str, args)],
                          capture_output=True, text=True)


def test_repeated_file_is_read_that_many_times_per_epoch(tmp_path):
    nlp = spacy.blank("en")
    source = tmp_path / "train"
    source.mkdir()
    DocBin(docs=[nlp("target one"), nlp("target two")]).to_disk(source / "target.spacy")
    DocBin(docs=[nlp("external")]).to_disk(source / "external.spacy")
    (tmp_path / "out/train").mkdir(parents=True)
    (tmp_path / "out/train/stale.spacy").write_bytes(b"")
    result = mix(source, tmp_path / "out/train", "target.spacy=3")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out/train").iterdir()) == [
        "external.spacy", "target.copy2.spacy", "target.copy3.spacy", "target.spacy"]
    texts = sorted(example.reference.text for example in Corpus(tmp_path / "out/train")(nlp))
    assert texts == ["external"] + ["target one"] * 3 + ["target two"] * 3
    assert result.stdout.splitlines()[-1] == "epoch: 7 documents, 13 tokens"  # 3 x (2 + 2) + 1


def test_file_with_zero_repeats_is_left_out_and_reported(tmp_path):
    nlp = spacy.blank("en")
    (tmp_path / "train").mkdir()
    DocBin(docs=[nlp("target")]).to_disk(tmp_path / "train/target.spacy")
    DocBin(docs=[nlp("external")]).to_disk(tmp_path / "train/external.spacy")
    result = mix(tmp_path / "train", tmp_path / "out", "external.spacy=0")
    assert result.returncode == 0, result.stderr
    assert "left out" in result.stdout and "external.spacy" in result.stdout
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["target.spacy"]


def test_a_mix_with_nothing_left_is_refused(tmp_path):
    (tmp_path / "train").mkdir()
    DocBin().to_disk(tmp_path / "train/a.spacy")
    result = mix(tmp_path / "train", tmp_path / "out", "a.spacy=0")
    assert result.returncode != 0 and "empty" in result.stderr
    assert not (tmp_path / "out").exists()
    (tmp_path / "none").mkdir()
    result = mix(tmp_path / "none", tmp_path / "out")
    assert result.returncode != 0 and "empty" in result.stderr and "none" in result.stderr


def test_bad_repeats_are_refused_by_name(tmp_path):
    (tmp_path / "train").mkdir()
    DocBin().to_disk(tmp_path / "train/a.spacy")
    missing = mix(tmp_path / "train", tmp_path / "out", "b.spacy=2")
    assert missing.returncode != 0 and "not in" in missing.stderr and "b.spacy" in missing.stderr
    for bad in ("a.spacy", "a.spacy=-1", "a.spacy=two", "=2"):
        result = mix(tmp_path / "train", tmp_path / "out", bad)
        assert result.returncode != 0 and repr(bad) in result.stderr
    assert not (tmp_path / "out").exists()
    for onto_source in (tmp_path / "train", tmp_path):
        result = mix(tmp_path / "train", onto_source, "a.spacy=2")
        assert result.returncode != 0 and "would replace" in result.stderr
    assert (tmp_path / "train/a.spacy").exists()


def test_later_folders_are_mixed_under_their_folder_name(tmp_path):
    nlp = spacy.blank("en")
    for folder, text in (("train", "gold"), ("teacher", "silver")):
        (tmp_path / folder).mkdir()
        DocBin(docs=[nlp(f"{text} target")]).to_disk(tmp_path / folder / "target.spacy")
        DocBin(docs=[nlp(f"{text} external")]).to_disk(tmp_path / folder / "external.spacy")
    result = mix(tmp_path / "train", tmp_path / "teacher", tmp_path / "mix", "target.spacy=2", "teacher/target.spacy=0")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "mix").iterdir()) == [
        "external.spacy", "target.copy2.spacy", "target.spacy", "teacher.external.spacy"]
    texts = sorted(example.reference.text for example in Corpus(tmp_path / "mix")(nlp))
    assert texts == ["gold external", "gold target", "gold target", "silver external"]
    missing = mix(tmp_path / "train", tmp_path / "teacher", tmp_path / "mix", "teacher/other.spacy=2")
    assert missing.returncode != 0 and "teacher/other.spacy" in missing.stderr
    (tmp_path / "elsewhere/teacher").mkdir(parents=True)
    same_name = mix(tmp_path / "train", tmp_path / "teacher", tmp_path / "elsewhere/teacher", tmp_path / "mix2")
    assert same_name.returncode != 0 and "different names" in same_name.stderr
    for onto_source in (tmp_path / "teacher", tmp_path):
        result = mix(tmp_path / "train", tmp_path / "teacher", onto_source)
        assert result.returncode != 0 and "would replace" in result.stderr
