"""annotate reads PubMed XML and gzip-compressed inputs; outputs are plain unless asked."""
import gzip
import json

from spacy_aioner.annotation.engines import LocalEngine
from spacy_aioner.annotation.job import annotate_files
from spacy_aioner.corpora.bioc import read_bioc
from spacy_aioner.corpora.pubtator import read_pubtator
from tests.annotation.test_bad_days import pubtator
from tests.corpora.test_pubmed_and_gzip import PUBMED


def test_pubmed_and_gzip_inputs_plain_outputs_then_gzip_outputs(model, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "pubmed24n0001.xml.gz").write_bytes(gzip.compress(PUBMED.encode("utf8")))
    (folder / "a.PubTator.gz").write_bytes(gzip.compress(pubtator(3).encode("utf8")))
    (folder / "b.PubTator").write_text(pubtator(3), encoding="utf8")
    engine = LocalEngine(model)
    summary = annotate_files([folder], tmp_path / "out", engine, batch_size=2)
    packed = annotate_files([folder], tmp_path / "packed", engine, batch_size=2, output_format="bioc", compress=True)
    engine.close()
    assert not summary.files_failed and summary.files_done == 3
    out = tmp_path / "out"
    assert [d.id for d in read_pubtator(out / "pubmed24n0001.PubTator")] == ["101", "102", "103"]
    assert (out / "a.PubTator").read_bytes() == (out / "b.PubTator").read_bytes()
    titles = [d.passages[0].text for d in read_pubtator(out / "pubmed24n0001.PubTator")]
    assert titles == ["BRCA1 loss in breast cancer.", "A title alone.", "Plain."]
    notes = json.loads((out / "summary.json").read_text())["notes"]
    assert notes == {"deleted citations": 2, "articles without abstract": 1}
    assert sorted(p.name for p in (tmp_path / "packed").glob("*.gz")) == ["a.xml.gz", "b.xml.gz", "pubmed24n0001.xml.gz"]
    assert packed.files_done == 3 and packed.documents == summary.documents
    assert [d.id for d in read_bioc(tmp_path / "packed" / "pubmed24n0001.xml.gz")] == ["101", "102", "103"]
    again = annotate_files([folder], tmp_path / "packed", LocalEngine(model), output_format="bioc", compress=True)
    assert again.files_already_done == 3 and again.documents == packed.documents
