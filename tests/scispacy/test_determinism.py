"""The abbreviation step decides each abbreviation's type once, from the model's mentions: the
output does not depend on the order of scispaCy's ``doc._.abbreviations`` (which varies from run
to run), on the batch size or on the document order (issue 65)."""
import random

import pytest

from spacy.tokens import Span

from spacy_aioner.corpora.docs import build_doc
from spacy_aioner.corpora.pubtator import read_pubtator
from spacy_aioner.scheme import ENTITY_TYPES
from spacy_aioner.tokenizer import blank_biomedical
from tests.conftest import corpus_file

pytest.importorskip("scispacy")


@pytest.fixture(scope="module")
def dev_sources():
    """BioRED's dev split (its last 100 documents)."""
    return list(read_pubtator(corpus_file("pubtator", "BioRED_TrainDev.PubTator")))[-100:]


@pytest.fixture(scope="module")
def step():
    nlp = blank_biomedical()
    import scispacy.abbreviation  # noqa: F401

    return nlp, nlp.add_pipe("abbreviation_detector"), nlp.add_pipe("aioner_abbreviations")


def gold_doc(nlp, source):
    """The document with its gold mentions as the model's, each with a score that differs."""
    doc = build_doc(nlp, source, "ALL")
    group = doc.spans["aioner"]
    group.attrs["scores"] = [0.5 + (7 * i % 11) / 25 for i in range(len(group))]
    return doc


def with_conflicting_short_forms(doc):
    """Every second short-form occurrence that is a mention gets the next type of ENTITY_TYPES:
    the long form and its short forms then disagree, where the order used to decide."""
    shorts = sorted({(a.start, a.end) for a in doc._.abbreviations})[::2]
    group = doc.spans["aioner"]
    spans = [Span(doc, s.start, s.end, label=_next_type(s.label_)) if (s.start, s.end) in shorts else s for s in group]
    scores = list(group.attrs["scores"])
    doc.spans["aioner"] = spans
    doc.spans["aioner"].attrs["scores"] = scores
    return doc


def _next_type(label):
    return ENTITY_TYPES[(ENTITY_TYPES.index(label) + 1) % len(ENTITY_TYPES)]


def annotations(doc):
    group = doc.spans["aioner"]
    return ([(e.start, e.end, e.label_) for e in doc.ents],
            [(s.start, s.end, s.label_, s.kb_id_) for s in group], list(group.attrs.get("scores", [])))


def conflicting(doc) -> bool:
    """An abbreviation whose long form and short forms do not all carry one type."""
    labels = {(s.start, s.end): s.label_ for s in doc.spans["aioner"]}
    for short in doc._.abbreviations:
        long_form = short._.long_form
        types = {labels.get((short.start, short.end)), labels.get((long_form.start, long_form.end))} - {None}
        if len(types) > 1 or any(labels.get((o.start, o.end), t) != t for o in doc._.abbreviations
                                 if o.text == short.text for t in types):
            return True
    return False


def test_permuting_the_abbreviations_never_changes_the_output(step, dev_sources):
    nlp, detector, consistency = step
    rng = random.Random(0)
    with_conflicts = 0
    for source, conflicts in [(s, c) for s in dev_sources for c in (False, True)]:
        outputs = set()
        for order in ("as found", "reversed", "shuffled", "shuffled", "shuffled"):
            doc = detector(gold_doc(nlp, source))
            doc = with_conflicting_short_forms(doc) if conflicts else doc
            abbreviations = list(doc._.abbreviations)
            if order == "reversed":
                abbreviations.reverse()
            elif order == "shuffled":
                rng.shuffle(abbreviations)
            doc._.abbreviations = abbreviations
            with_conflicts += order == "as found" and conflicting(doc)
            outputs.add(repr(annotations(consistency(doc))))
        assert len(outputs) == 1, f"document {source.id}: the output depends on the order of the abbreviations"
    assert with_conflicts >= 20  # the property is tested where the order used to matter


def test_added_and_relabelled_mentions_carry_the_deciding_score(step):
    nlp, detector, consistency = step
    text = "Growth hormone deficiency (GHD) is rare. GHD levels vary. Children with GHD grow slowly."
    doc = nlp.make_doc(text)
    doc.spans["aioner"] = [doc.char_span(0, 25, label="Disease"), doc.char_span(41, 44, label="Gene")]
    doc.spans["aioner"].attrs["scores"] = [0.8, 0.6]
    doc.spans["aioner"].attrs["tasks"] = [["ALL"], ["ALL"]]
    doc = consistency(detector(doc))
    group = doc.spans["aioner"]
    assert [(s.text, s.label_) for s in group] == [("Growth hormone deficiency", "Disease"), ("GHD", "Disease"),
                                                   ("GHD", "Disease"), ("GHD", "Disease")]
    assert group.attrs["scores"] == [0.8, 0.8, 0.8, 0.8]
    assert group.attrs["tasks"] == [["ALL"], None, ["ALL"], None]  # the relabelled one keeps its tasks


def test_a_missed_long_form_takes_the_short_forms_majority(step):
    nlp, detector, consistency = step
    text = "Growth hormone deficiency (GHD) is rare. GHD levels vary. GHD again."
    doc = nlp.make_doc(text)
    doc.spans["aioner"] = [doc.char_span(27, 30, label="Gene"), doc.char_span(41, 44, label="Disease"),
                           doc.char_span(58, 61, label="Disease")]
    doc.spans["aioner"].attrs["scores"] = [0.95, 0.7, 0.6]
    doc = consistency(detector(doc))
    assert [(e.text, e.label_) for e in doc.ents] == [("Growth hormone deficiency", "Disease"), ("GHD", "Disease"),
                                                      ("GHD", "Disease"), ("GHD", "Disease")]
    assert doc.spans["aioner"].attrs["scores"] == [0.7, 0.7, 0.7, 0.6]


@pytest.fixture(scope="module")
def chain(chain_pipeline_dir):
    """The trained tiny pipeline with the packaged abbreviation step, loaded from disk."""
    import spacy

    return spacy.load(chain_pipeline_dir)


def assert_same(runs, first):
    """Same entities and span groups; scores equal but for float rounding (a batch's padding
    changes the summation order inside the encoder, by up to about 1e-7 in float32)."""
    for (ents, spans, scores), (ents0, spans0, scores0) in zip(runs, first, strict=True):
        assert ents == ents0 and spans == spans0
        assert scores == pytest.approx(scores0, abs=1e-6, nan_ok=True)


def test_the_chain_gives_the_same_annotations_at_any_batch_size_and_order(chain, dev_sources):
    texts = ["\n".join(p.text for p in s.passages) for s in dev_sources]
    first = [annotations(d) for d in chain.pipe(texts, batch_size=32)]
    assert sum(len(d._.abbreviations) > 0 for d in chain.pipe(texts[:20])) > 5
    assert [annotations(d) for d in chain.pipe(texts, batch_size=32)] == first  # exactly, scores too
    assert_same([annotations(d) for d in chain.pipe(texts, batch_size=1)], first)
    assert_same([annotations(d) for d in chain.pipe(texts[::-1], batch_size=32)][::-1], first)
