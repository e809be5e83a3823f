"""The CRF against brute-force enumeration of every label sequence."""
import itertools

import numpy
import pytest
import torch

from spacy_aioner.layers.crf import ConstrainedCRF, forward_backward, viterbi
from spacy_aioner.scheme import AIO, LABELS, is_valid_start, is_valid_transition

SMALL = ["B-Gene", "I-Gene", "B-Disease", "I-Disease", "O"]


def brute_force(crf, emissions, length, mask):
    """(log Z, best path, marginals) over all valid sequences of one unpadded sequence."""
    labels = crf.labels
    allowed = [i for i in range(len(labels)) if mask[i]]
    scores = {}
    for path in itertools.product(allowed, repeat=length):
        if not is_valid_start(labels[path[0]]):
            continue
        if any(not is_valid_transition(labels[a], labels[b]) for a, b in zip(path, path[1:])):
            continue
        s = crf.start_scores[path[0]] + crf.end_scores[path[-1]]
        s = s + sum(emissions[t, path[t]] for t in range(length))
        s = s + sum(crf.transitions[a, b] for a, b in zip(path, path[1:]))
        scores[path] = s
    values = torch.stack(list(scores.values()))
    log_z = torch.logsumexp(values, 0)
    best = max(scores, key=lambda p: float(scores[p]))
    marg = torch.zeros(length, len(labels), dtype=torch.float64)
    for path, s in scores.items():
        for t, label in enumerate(path):
            marg[t, label] += torch.exp(s - log_z)
    return log_z, list(best), marg, scores


@pytest.fixture
def crf():
    torch.manual_seed(0)
    crf = ConstrainedCRF(SMALL).double()
    with torch.no_grad():
        for p in crf.parameters():
            p.normal_()
    return crf


def decode(crf, emissions, lengths, mask):
    """Viterbi paths of padded torch inputs, as the pipe's inference runs it (numpy)."""
    arrays = (emissions.detach().double().numpy(), lengths.numpy(), mask.numpy())
    return [path.tolist() for path in viterbi(*arrays, *crf.constraint_arrays())]


def marginals_of(crf, emissions, lengths, mask):
    arrays = (emissions.detach().double().numpy(), lengths.numpy(), mask.numpy())
    return forward_backward(*arrays, *crf.constraint_arrays())


@pytest.mark.parametrize("masked", [False, True])
def test_likelihood_viterbi_and_marginals_equal_brute_force(crf, masked):
    torch.manual_seed(1)
    lengths = torch.tensor([4, 2, 1, 0])
    emissions = torch.randn(4, 4, len(SMALL), dtype=torch.float64)
    mask = torch.ones(4, len(SMALL), dtype=torch.bool)
    if masked:
        mask[0, 2:4] = False  # first sequence may not use Disease labels
    tags = torch.tensor([[0, 1, 4, 0], [2, 3, 0, 0], [4, 0, 0, 0], [0, 0, 0, 0]])
    log_z = crf.log_partition(emissions, lengths, mask)
    nll = crf(emissions, tags, lengths, mask)
    paths = decode(crf, emissions, lengths, mask)
    marginals = marginals_of(crf, emissions, lengths, mask)
    for b in range(3):
        n = int(lengths[b])
        bz, best, marg, scores = brute_force(crf, emissions[b, :n], n, mask[b])
        assert torch.allclose(log_z[b], bz)
        assert torch.allclose(nll[b], bz - scores[tuple(tags[b, :n].tolist())])
        assert paths[b] == best
        assert numpy.allclose(marginals[b, :n], marg.detach().numpy(), atol=1e-8)
        assert not marginals[b, n:].any()
    assert paths[3] == [] and float(nll[3]) == 0.0


def test_tag_returns_each_paths_marginals_for_unpadded_arrays(crf):
    rng = numpy.random.default_rng(2)
    emissions = [rng.normal(size=(n, len(SMALL))) * 3 for n in (5, 3, 0)]
    masks = [[True] * 5, [True, True, False, False, True], [True] * 5]
    tagged = crf.tag(emissions, masks)
    for (path, confidences), e, mask in zip(tagged, emissions, masks):
        _, best, marg, _ = brute_force(crf, torch.from_numpy(e), len(e), mask) if len(e) else (0, [], None, 0)
        assert path == best
        assert numpy.allclose(confidences, [float(marg[t, label]) for t, label in enumerate(path)], atol=1e-8)
    assert tagged[2] == ([], [])


def test_marginals_stay_finite_under_extreme_scores(crf):
    emissions = torch.tensor([[[500.0, -500.0, 0.0, 300.0, -800.0]] * 6], dtype=torch.float64)
    marginals = marginals_of(crf, emissions, torch.tensor([6]), torch.ones(1, len(SMALL), dtype=torch.bool))
    assert numpy.isfinite(marginals).all()
    assert numpy.allclose(marginals.sum(axis=2), 1.0)


def test_constraints_are_never_violated_even_against_strong_emissions():
    crf = ConstrainedCRF(LABELS)
    torch.manual_seed(3)
    emissions = torch.randn(8, 30, len(LABELS)) * 5
    emissions[:, :, LABELS.index("I-Gene")] += 20  # every token wants I-Gene
    for task in ("Gene", "Disease", "ALL"):
        mask = torch.tensor([AIO.allowed_mask(task)] * 8)
        for path in decode(crf, emissions, torch.full((8,), 30), mask):
            labels = [LABELS[i] for i in path]
            assert is_valid_start(labels[0])
            assert all(is_valid_transition(a, b) for a, b in zip(labels, labels[1:]))
            assert all(AIO.allowed_mask(task)[i] for i in path)


def test_gradient_of_nll_reaches_emissions_and_transitions(crf):
    emissions = torch.randn(1, 3, len(SMALL), dtype=torch.float64, requires_grad=True)
    nll = crf(emissions, torch.tensor([[0, 1, 4]]), torch.tensor([3]), torch.ones(1, len(SMALL), dtype=torch.bool))
    nll.sum().backward()
    assert emissions.grad.abs().sum() > 0 and crf.transitions.grad.abs().sum() > 0
