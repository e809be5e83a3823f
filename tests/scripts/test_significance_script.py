"""scripts/significance.py takes counts files in place of pipelines: it checks that they counted
the data given, by md5 when the file kept one (however the path is spelled), else by the path as
written (counts files from before md5s were kept)."""
import json
import subprocess
import sys
from pathlib import Path

import spacy
from spacy.tokens import DocBin

from spacy_aioner.bootstrap import data_md5

ROOT = Path(__file__).resolve().parents[2]


def write_counts(path: Path, data: str, md5=None):
    counts = {"model": path.stem, "data": data, "document_ids": ["1", "2"],
              "counts": [[1, 0, 0], [0, 1, 1]], "counts_by_type": {"Gene": [[1, 0, 0], [0, 1, 1]]}}
    if md5 is not None:
        counts["data_md5"] = md5
    path.write_text(json.dumps(counts))


def significance(cwd: Path, *args: str):
    """The script's return code and its stderr with the line wrapping undone."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts/significance.py"), *args, "--samples", "50"],
                            cwd=cwd, capture_output=True, text=True)
    return result.returncode, " ".join(result.stderr.split())


def test_counts_with_md5_match_the_data_however_its_path_is_spelled(tmp_path):
    nlp = spacy.blank("en")
    DocBin(docs=[nlp("BRCA1 is a gene.")]).to_disk(tmp_path / "dev.spacy")
    md5 = data_md5(tmp_path / "dev.spacy")
    write_counts(tmp_path / "a.json", "dev.spacy", md5)
    write_counts(tmp_path / "b.json", "dev.spacy", md5)
    returncode, stderr = significance(tmp_path, "a.json", "b.json", str(tmp_path / "dev.spacy"), "out.json")
    assert returncode == 0, stderr
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["data_md5"] == md5 and report["difference"] == 0.0
    # the same path, other content: refused, nothing written
    DocBin(docs=[nlp("TP53 is another gene.")]).to_disk(tmp_path / "dev.spacy")
    returncode, stderr = significance(tmp_path, "a.json", "b.json", "dev.spacy", "again.json")
    assert returncode != 0
    assert "a.json: it counts 'dev.spacy', not 'dev.spacy' (compared by md5: other content)" in stderr
    assert not (tmp_path / "again.json").exists()


def test_counts_without_md5_match_by_the_path_as_written(tmp_path):
    DocBin(docs=[spacy.blank("en")("BRCA1 is a gene.")]).to_disk(tmp_path / "dev.spacy")
    write_counts(tmp_path / "a.json", "dev.spacy")
    write_counts(tmp_path / "b.json", "dev.spacy")
    assert significance(tmp_path, "a.json", "b.json", "dev.spacy", "out.json")[0] == 0
    returncode, stderr = significance(tmp_path, "a.json", "b.json", str(tmp_path / "dev.spacy"), "other.json")
    assert returncode != 0
    assert f"a.json: it counts 'dev.spacy', not '{tmp_path / 'dev.spacy'}' (compared by path" in stderr
    assert not (tmp_path / "other.json").exists()


def test_the_md5_of_a_folder_covers_its_docbins_names_and_bytes(tmp_path):
    nlp = spacy.blank("en")
    folder = tmp_path / "train"
    folder.mkdir()
    DocBin(docs=[nlp("one")]).to_disk(folder / "a.spacy")
    before = data_md5(folder)
    DocBin(docs=[nlp("two")]).to_disk(folder / "b.spacy")
    grown = data_md5(folder)
    (folder / "b.spacy").rename(folder / "c.spacy")
    assert len({before, grown, data_md5(folder)}) == 3
