"""scispaCy around aioner, offline: abbreviations, a linker on the test's own KB, the
abbreviation-consistency step, and linked identifiers in the writers."""
import io
import itertools
import json

import pytest
import spacy

from spacy_aioner.corpora.docs import build_docs
from spacy_aioner.corpora.manifest import load_manifest
from spacy_aioner.corpora.pubtator import read_pubtator, write_pubtator
from spacy_aioner.scispacy import add_offline_linker, build_linker_kb
from spacy_aioner.tokenizer import make_biomedical_tokenizer
from tests.conftest import corpus_file
from tests.pipeline.conftest import make_nlp, train
from tests.tiny_bert import build_tiny_bert

pytest.importorskip("scispacy")


@pytest.fixture(scope="module")
def abstracts():
    path = corpus_file("pubtator", "BioRED_TrainDev.PubTator")
    return list(itertools.islice(read_pubtator(path), 3))


@pytest.fixture(scope="module")
def kb_dir(abstracts, tmp_path_factory):
    """The test's own KB: every gold identifier of the abstracts, its mention texts as aliases."""
    concepts = {}
    for source in abstracts:
        for m in source.mentions:
            for cid in m.identifier.split(","):
                entry = concepts.setdefault(cid, {"concept_id": cid, "canonical_name": m.text, "aliases": [], "types": [m.type]})
                if m.text not in entry["aliases"]:
                    entry["aliases"].append(m.text)
    root = tmp_path_factory.mktemp("kb")
    (root / "concepts.jsonl").write_text("\n".join(json.dumps(c) for c in concepts.values()), encoding="utf8")
    return build_linker_kb(root / "concepts.jsonl", root / "kb"), concepts


@pytest.fixture(scope="module")
def chain(abstracts, kb_dir, tmp_path_factory):
    from spacy.training import Example

    nlp = make_nlp(build_tiny_bert(tmp_path_factory.mktemp("bert")))
    entry = next(e for e in load_manifest() if e.file == "BioRED_TrainDev.PubTator")
    gold = list(build_docs(nlp, abstracts, "ALL", entry.type_map))
    examples = []
    for doc in gold:
        predicted = nlp.make_doc(doc.text)
        predicted._.aioner_task = "ALL"
        examples.append(Example(predicted, doc))
    train(nlp, examples, steps=60)
    import scispacy.abbreviation  # noqa: F401  (scispaCy's documented way to register its pipe)

    nlp.add_pipe("abbreviation_detector")
    nlp.add_pipe("aioner_abbreviations")
    add_offline_linker(nlp, "aioner-test-kb", kb_dir[0], threshold=0.9)
    return nlp


def test_full_chain_on_real_abstracts(chain, abstracts, kb_dir, tmp_path):
    _, concepts = kb_dir
    alias_to_ids = {}
    for cid, c in concepts.items():
        for alias in c["aliases"]:
            alias_to_ids.setdefault(alias.lower(), set()).add(cid)
    docs = list(chain.pipe("\n".join(p.text for p in s.passages) for s in abstracts))
    abbreviations = {(a.text, a._.long_form.text) for d in docs for a in d._.abbreviations}
    assert ("HNF", "hepatocyte nuclear factor") in abbreviations
    linked = 0
    for doc in docs:
        for ent in doc.ents:
            if ent._.kb_ents:
                assert ent._.kb_ents[0][0] in concepts
            if ent.text.lower() in alias_to_ids and ent._.kb_ents:
                assert ent._.kb_ents[0][0] in alias_to_ids[ent.text.lower()]
                linked += 1
    assert linked > 0
    # the linked identifier reaches the writers (span group spans share the ents' kb_ents)
    out = io.StringIO()
    write_pubtator(docs, out)
    written = [line.split("\t") for line in out.getvalue().splitlines() if line.count("\t") >= 4]
    assert sum(len(f) == 6 and f[5] in concepts for f in written) >= linked
    # and the whole chain survives to_disk / spacy.load (the KB is registered again on load)
    chain.to_disk(tmp_path / "chain")
    loaded = spacy.load(tmp_path / "chain")
    assert loaded.pipe_names == chain.pipe_names
    again = loaded("\n".join(p.text for p in abstracts[0].passages))
    assert [(e.text, e._.kb_ents[:1]) for e in again.ents] == [(e.text, e._.kb_ents[:1]) for e in docs[0].ents]


@pytest.fixture(scope="module")
def consistency():
    import scispacy.abbreviation  # noqa: F401

    nlp = spacy.blank("en")
    nlp.tokenizer = make_biomedical_tokenizer(nlp)
    nlp.add_pipe("abbreviation_detector")
    nlp.add_pipe("aioner_abbreviations")
    return nlp


def run_with_mentions(nlp, text, mentions):
    doc = nlp.make_doc(text)
    doc.spans["aioner"] = [doc.char_span(text.index(t, start), text.index(t, start) + len(t), label=label)
                           for t, label, start in mentions]
    doc.spans["aioner"].attrs["scores"] = [0.9] * len(mentions)
    doc.ents = [s for s in doc.spans["aioner"]]
    for name, pipe in nlp.pipeline:
        doc = pipe(doc)
    return doc


def test_missed_short_form_is_added(consistency):
    text = "Growth hormone deficiency (GHD) is rare. Children with GHD grow slowly."
    doc = run_with_mentions(consistency, text, [("Growth hormone deficiency", "Disease", 0), ("GHD", "Disease", 0)])
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Growth hormone deficiency", "Disease"), ("GHD", "Disease"), ("GHD", "Disease")]
    assert len(doc.spans["aioner"]) == 3 and len(doc.spans["aioner"].attrs["scores"]) == 3


def test_type_conflict_follows_the_long_form(consistency):
    text = "Growth hormone deficiency (GHD) is rare. GHD levels vary."
    doc = run_with_mentions(consistency, text, [("Growth hormone deficiency", "Disease", 0), ("GHD", "Gene", 30)])
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Growth hormone deficiency", "Disease"), ("GHD", "Disease"), ("GHD", "Disease")]


def test_missed_long_form_is_added_from_the_short_form(consistency):
    text = "Growth hormone deficiency (GHD) is rare."
    doc = run_with_mentions(consistency, text, [("GHD", "Disease", 0)])
    assert ("Growth hormone deficiency", "Disease") in [(e.text, e.label_) for e in doc.ents]


def test_other_pipes_entities_are_kept(consistency):
    text = "Growth hormone deficiency (GHD) is rare. GHD again."
    doc = consistency.make_doc(text)
    doc.ents = [doc.char_span(text.index("GHD", 30), text.index("GHD", 30) + 3, label="ABBR")]
    doc.spans["aioner"] = [doc.char_span(0, 25, label="Disease")]
    for _, pipe in consistency.pipeline:
        doc = pipe(doc)
    assert ("GHD", "ABBR") in [(e.text, e.label_) for e in doc.ents]
    assert ("GHD", "Disease") in [(e.text, e.label_) for e in doc.ents]  # the first one, which was free
