"""Per-document entity counts agree with spaCy's NER scorer; the paired bootstrap behaves."""
import pytest
import spacy
from spacy.scorer import get_ner_prf
from spacy.tokens import Span
from spacy.training import Example

from spacy_aioner.bootstrap import counts_per_document, entity_counts, paired_bootstrap


def example(nlp, text, gold, predicted):
    reference, prediction = nlp.make_doc(text), nlp.make_doc(text)
    reference.ents = [Span(reference, s, e, label=l) for s, e, l in gold]
    prediction.ents = [Span(prediction, s, e, label=l) for s, e, l in predicted]
    return Example(prediction, reference)


@pytest.fixture
def examples():
    nlp = spacy.blank("en")
    return [
        example(nlp, "BRCA1 mutations cause breast cancer in women .", [(0, 1, "Gene"), (3, 5, "Disease")],
                [(0, 1, "Gene"), (3, 5, "Chemical"), (6, 7, "Species")]),
        example(nlp, "Aspirin treats pain .", [(0, 1, "Chemical"), (2, 3, "Disease")], [(0, 1, "Chemical")]),
        example(nlp, "Nothing to see here .", [], []),
    ]


def test_counts_add_up_to_spacys_scores(examples):
    counts = counts_per_document(examples)
    assert counts == [(1, 2, 1), (1, 0, 1), (0, 0, 0)]
    tp, fp, fn = (sum(c[i] for c in counts) for i in range(3))
    assert 2 * tp / (2 * tp + fp + fn) == pytest.approx(get_ner_prf(examples)["ents_f"])


def test_counts_per_type_add_up_and_agree_with_spacys_per_type_scores(examples):
    per_type = get_ner_prf(examples)["ents_per_type"]
    assert sorted(per_type) == ["Chemical", "Disease", "Gene", "Species"]
    by_type = {label: counts_per_document(examples, label) for label in per_type}
    assert by_type["Disease"] == [(0, 0, 1), (0, 0, 1), (0, 0, 0)]  # the mislabelled span is a Chemical fp
    assert by_type["Chemical"] == [(0, 1, 0), (1, 0, 0), (0, 0, 0)]
    for label, counts in by_type.items():
        tp, fp, fn = (sum(c[i] for c in counts) for i in range(3))
        assert (2 * tp / (2 * tp + fp + fn) if tp else 0.0) == pytest.approx(per_type[label]["f"])
    overall = counts_per_document(examples)
    for doc in range(len(examples)):
        assert tuple(sum(by_type[label][doc][i] for label in by_type) for i in range(3)) == overall[doc]


def test_unannotated_reference_counts_nothing():
    nlp = spacy.blank("en")
    doc = nlp.make_doc("BRCA1 here .")
    prediction = nlp.make_doc("BRCA1 here .")
    prediction.ents = [Span(prediction, 0, 1, label="Gene")]
    assert entity_counts(Example(prediction, doc)) == (0, 0, 0)


def test_identical_systems_differ_by_nothing():
    counts = [(3, 1, 0), (0, 2, 5), (4, 0, 1)]
    result = paired_bootstrap(counts, counts, samples=500)
    assert result["difference"] == 0.0 and result["ci95_low"] == result["ci95_high"] == 0.0
    assert result["p_a_not_better"] == 1.0


def test_a_better_on_every_document_is_significant():
    better = [(5, 0, 0)] * 20
    worse = [(3, 2, 2)] * 20
    result = paired_bootstrap(better, worse, samples=500, seed=1)
    assert result["difference"] == pytest.approx(1.0 - 6 / 10)
    assert result["ci95_low"] > 0 and result["p_a_not_better"] == 0.0
    # swapping A and B mirrors the interval
    mirrored = paired_bootstrap(worse, better, samples=500, seed=1)
    assert mirrored["ci95_high"] == pytest.approx(-result["ci95_low"])


def test_unpaired_counts_are_refused():
    with pytest.raises(ValueError, match="pair up"):
        paired_bootstrap([(1, 0, 0)], [(1, 0, 0), (0, 1, 0)])


def test_a_single_run_stacked_gives_the_same_result():
    a, b = [(3, 1, 0), (0, 2, 5), (4, 0, 1)], [(2, 1, 1), (1, 1, 4), (4, 1, 1)]
    assert paired_bootstrap([a], [b], samples=300, seed=2) == paired_bootstrap(a, b, samples=300, seed=2)


def test_runs_share_their_document_draws_and_are_averaged():
    a, b = [(3, 1, 0), (0, 2, 5), (4, 0, 1), (2, 2, 2)], [(2, 1, 1), (1, 1, 4), (4, 1, 1), (1, 0, 3)]
    single = paired_bootstrap(a, b, samples=400, seed=3)
    # the same pair twice: with shared draws every resampled difference, hence the interval, is unchanged
    twice = paired_bootstrap([a, a], [b, b], samples=400, seed=3)
    assert twice["runs"] == 2
    assert twice["ci95_low"] == pytest.approx(single["ci95_low"])
    assert twice["ci95_high"] == pytest.approx(single["ci95_high"])
    # a second run with no difference halves the mean difference and its interval
    halved = paired_bootstrap([a, a], [b, a], samples=400, seed=3)
    assert halved["difference"] == pytest.approx(single["difference"] / 2)
    assert halved["ci95_low"] == pytest.approx(single["ci95_low"] / 2)
    assert halved["f1_b"] == pytest.approx((single["f1_a"] + single["f1_b"]) / 2)


def test_runs_over_different_document_counts_are_refused():
    with pytest.raises(ValueError, match="pair up"):
        paired_bootstrap([[(1, 0, 0)], [(1, 0, 0)]], [[(1, 0, 0)], [(0, 1, 0)], [(0, 1, 0)]])
