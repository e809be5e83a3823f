"""Issue 63's two conversions: the naive merge (every file once under ALL, its types merged, the
others plain O: no task of its own) and few-document samples of the target corpus (seeded,
nested, never a dev or excluded document)."""
import pytest
from spacy.tokens import DocBin

from spacy_aioner.corpora.docbin import convert_manifest
from spacy_aioner.corpora.manifest import DEFAULT_MANIFEST, ManifestEntry, load_manifest, merged_naively
from spacy_aioner.extensions import install_extensions
from spacy_aioner.tokenizer import blank_biomedical
from tests.conftest import corpus_file, pubtator_blocks

FILES = {"BioRED_TrainDev.PubTator": range(40), "BC5CDR_TrainDev.PubTator": range(6), "GNormPlus_Train.PubTator": range(6)}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpora")
    for name, which in FILES.items():
        (folder / name).write_text("\n".join(pubtator_blocks(corpus_file("pubtator", name), which)), encoding="utf8")
    return folder


def entries():
    return [e for e in load_manifest(DEFAULT_MANIFEST) if e.file in FILES]


def docs_of(path):
    install_extensions()
    return list(DocBin().from_disk(path).get_docs(blank_biomedical().vocab))


def convert(corpora, out, entries, **options):
    return convert_manifest(blank_biomedical(), entries, corpora, out, dev_file="BioRED_TrainDev.PubTator",
                            dev_docs=10, external_dev=0.2, **options)


def test_the_naive_merge_has_the_aio_documents_once_each_under_all_with_their_types(corpora, tmp_path):
    convert(corpora, tmp_path / "aio", entries())
    convert(corpora, tmp_path / "naive", merged_naively(entries()))
    aio = {p.name: docs_of(p) for p in sorted((tmp_path / "aio/train").glob("*.spacy"))}
    naive = {p.name: docs_of(p) for p in sorted((tmp_path / "naive/train").glob("*.spacy"))}
    assert sorted(naive) == ["BC5CDR_TrainDev.ALL.spacy", "BioRED_TrainDev.ALL.spacy", "GNormPlus_Train.ALL.spacy"]
    assert all(doc._.aioner_task == "ALL" for docs in naive.values() for doc in docs)
    # the same documents as the AIO conversion, BC5CDR's once instead of once per task
    ids = lambda docs: [doc._.aioner_doc_id for doc in docs]
    assert ids(naive["BC5CDR_TrainDev.ALL.spacy"]) == ids(aio["BC5CDR_TrainDev.Chemical.spacy"]) \
        == ids(aio["BC5CDR_TrainDev.Disease.spacy"])
    assert ids(naive["GNormPlus_Train.ALL.spacy"]) == ids(aio["GNormPlus_Train.Gene.spacy"])
    # BC5CDR's chemicals and diseases in one document; a GNormPlus document's only type is Gene,
    # and under ALL every other token is plain O, where the AIO scheme kept O-Gene
    for merged, chemical, disease in zip(naive["BC5CDR_TrainDev.ALL.spacy"], aio["BC5CDR_TrainDev.Chemical.spacy"],
                                         aio["BC5CDR_TrainDev.Disease.spacy"]):
        assert {(e.start, e.end, e.label_) for e in merged.ents} == \
            {(e.start, e.end, e.label_) for e in [*chemical.ents, *disease.ents]}
    assert {e.label_ for doc in naive["GNormPlus_Train.ALL.spacy"] for e in doc.ents} == {"Gene"}
    assert {doc._.aioner_task for doc in aio["GNormPlus_Train.Gene.spacy"]} == {"Gene"}
    # the dev splits are the AIO conversion's documents
    assert ids(docs_of(tmp_path / "naive/dev.spacy")) == ids(docs_of(tmp_path / "aio/dev.spacy"))
    assert ids(docs_of(tmp_path / "naive/dev/BC5CDR_TrainDev.ALL.spacy")) == \
        ids(docs_of(tmp_path / "aio/dev/BC5CDR_TrainDev.Chemical.spacy"))


def test_a_source_type_merged_two_ways_is_refused():
    lines = [ManifestEntry("X.PubTator", "Gene", {"Protein": "Gene"}, 3),
             ManifestEntry("X.PubTator", "Chemical", {"Protein": "Chemical"}, 4)]
    with pytest.raises(ValueError, match="manifest line 4: X.PubTator's 'Protein' maps to Chemical here and to Gene on line 3"):
        merged_naively(lines)


def test_few_document_samples_are_seeded_nested_and_never_held_out(corpora, tmp_path):
    test_set = tmp_path / "test.PubTator"  # a stand-in test set: one BioRED training document
    test_set.write_text(pubtator_blocks(corpora / "BioRED_TrainDev.PubTator", [3])[0], encoding="utf8")
    excluded = {test_set.read_text().split("|", 1)[0]}  # its PMID
    samples = {}
    for count in (5, 10, 20):
        out = tmp_path / f"biored{count}"
        reports = convert(corpora, out, entries(), target_docs=count, exclude_ids=excluded)
        samples[count] = [d._.aioner_doc_id for d in docs_of(out / "train/BioRED_TrainDev.ALL.spacy")]
        biored = [r for r in reports if r.path.endswith("BioRED_TrainDev.PubTator")][0]
        assert biored.notes["training documents left out of the target sample"] == 29 - count
        held_out = {d._.aioner_doc_id for d in docs_of(out / "dev.spacy")}
        assert len(samples[count]) == count and not (set(samples[count]) & (held_out | excluded))
        # the external corpora are untouched
        assert len(docs_of(out / "train/GNormPlus_Train.Gene.spacy")) == 4
    assert set(samples[5]) < set(samples[10]) < set(samples[20])
    again = tmp_path / "again"
    convert(corpora, again, entries(), target_docs=10, exclude_ids=excluded)
    assert [d._.aioner_doc_id for d in docs_of(again / "train/BioRED_TrainDev.ALL.spacy")] == samples[10]
    other_seed = tmp_path / "seed1"
    convert(corpora, other_seed, entries(), target_docs=10, target_seed=1, exclude_ids=excluded)
    assert [d._.aioner_doc_id for d in docs_of(other_seed / "train/BioRED_TrainDev.ALL.spacy")] != samples[10]
    with pytest.raises(ValueError, match="a sample of 40 documents from 29 training documents"):
        convert(corpora, tmp_path / "too_many", entries(), target_docs=40, exclude_ids=excluded)
