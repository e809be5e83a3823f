"""A linear-chain CRF in torch with transition constraints and per-sequence label masks.

The libraries on PyPI (pytorch-crf, allennlp's CRF) have neither per-sequence label masks
nor constraints inside the likelihood, which the AIO scheme needs: a document of task T may
only use {B-T, I-T, O-T}, and I-X may only follow B-X or I-X. Forbidden moves and labels
get a large negative score in the likelihood, in Viterbi decoding and in the marginals.

Training (the likelihood and its gradient) runs in torch; inference (Viterbi and the
marginals behind the confidence scores) runs in numpy without autograd, because per-step
torch overhead, not arithmetic, dominates at 19 labels.
"""
from typing import List, Sequence, Tuple

import numpy
import torch
from torch import nn

from ..scheme import is_valid_start, is_valid_transition

Tagging = Tuple[List[int], List[float]]  # label ids and each token's marginal of its label
NEG = -1.0e4  # finite, so that an all-forbidden row gives a huge loss rather than NaN


class ConstrainedCRF(nn.Module):
    """CRF over `labels`; inputs are padded ``(batch, time, labels)`` emission scores."""

    def __init__(self, labels: Sequence[str]):
        super().__init__()
        n = len(labels)
        self.labels = list(labels)
        self.transitions = nn.Parameter(torch.zeros(n, n))  # [previous, current]
        self.start_scores = nn.Parameter(torch.zeros(n))
        self.end_scores = nn.Parameter(torch.zeros(n))
        allowed = [[is_valid_transition(a, b) for b in labels] for a in labels]
        self.register_buffer("allowed_transitions", torch.tensor(allowed, dtype=torch.bool), persistent=False)
        starts = [is_valid_start(label) for label in labels]
        self.register_buffer("allowed_starts", torch.tensor(starts, dtype=torch.bool), persistent=False)

    def forward(self, emissions, tags, lengths, label_mask):
        """Per-sequence negative log-likelihood of `tags`, shape ``(batch,)``."""
        return self.log_partition(emissions, lengths, label_mask) - self.score(emissions, tags, lengths, label_mask)

    def _constrained(self, emissions, label_mask):
        return (emissions.masked_fill(~label_mask[:, None, :], NEG), *self._constrained_moves())

    def _constrained_moves(self):
        """Transition and start scores with the forbidden moves at NEG."""
        transitions = self.transitions.masked_fill(~self.allowed_transitions, NEG)
        return transitions, self.start_scores.masked_fill(~self.allowed_starts, NEG)

    def score(self, emissions, tags, lengths, label_mask):
        """Unnormalised score of the tag sequences, ``(batch,)``; padding ignored."""
        emissions, transitions, start = self._constrained(emissions, label_mask)
        batch, time, _ = emissions.shape
        if time == 0:
            return emissions.new_zeros(batch)
        steps = torch.arange(time, device=emissions.device)[None, :] < lengths[:, None]
        emit = emissions.gather(2, tags.unsqueeze(2)).squeeze(2) * steps
        trans = transitions[tags[:, :-1], tags[:, 1:]] * steps[:, 1:]
        last = tags.gather(1, (lengths - 1).clamp(min=0)[:, None]).squeeze(1)
        total = emit.sum(1) + trans.sum(1) + start[tags[:, 0]] + self.end_scores[last]
        return total * (lengths > 0)

    def log_partition(self, emissions, lengths, label_mask):
        """log Z of each sequence by the forward algorithm, ``(batch,)``."""
        emissions, transitions, start = self._constrained(emissions, label_mask)
        batch, time, _ = emissions.shape
        if time == 0:
            return emissions.new_zeros(batch)
        alpha = start[None, :] + emissions[:, 0]
        for t in range(1, time):
            step = torch.logsumexp(alpha[:, :, None] + transitions[None], dim=1) + emissions[:, t]
            alpha = torch.where((t < lengths)[:, None], step, alpha)
        return torch.logsumexp(alpha + self.end_scores[None, :], dim=1) * (lengths > 0)

    def constraint_arrays(self) -> Tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
        """Transition, start and end scores with the forbidden moves at NEG, as float64 arrays."""
        with torch.no_grad():
            return tuple(t.cpu().double().numpy() for t in (*self._constrained_moves(), self.end_scores))

    def tag(self, emissions: Sequence[numpy.ndarray], label_masks: Sequence[Sequence[bool]]) -> List[Tagging]:
        """Viterbi path and each token's marginal of its path label, per (tokens, labels) array.

        Inference runs in numpy without autograd: one Viterbi pass and one scaled
        forward-backward pass over the padded batch, a few small array operations per step.
        """
        padded, lengths = pad_batch(emissions, len(self.labels))
        mask = numpy.asarray(label_masks, dtype=bool).reshape(len(emissions), len(self.labels))
        constraints = self.constraint_arrays()
        paths = viterbi(padded, lengths, mask, *constraints)
        marginals = forward_backward(padded, lengths, mask, *constraints)
        rows = numpy.arange(padded.shape[1])
        return [
            (path.tolist(), marginals[i, rows[: len(path)], path].tolist())
            for i, path in enumerate(paths)
        ]


    def distributions(self, emissions: Sequence[numpy.ndarray], label_masks: Sequence[Sequence[bool]]) -> List[numpy.ndarray]:
        """Each token's marginal distribution over the labels, a (tokens, labels) array per input."""
        padded, lengths = pad_batch(emissions, len(self.labels))
        mask = numpy.asarray(label_masks, dtype=bool).reshape(len(emissions), len(self.labels))
        marginals = forward_backward(padded, lengths, mask, *self.constraint_arrays())
        return [marginals[i, : int(n)] for i, n in enumerate(lengths)]


def pad_batch(emissions: Sequence[numpy.ndarray], n_labels: int) -> Tuple[numpy.ndarray, numpy.ndarray]:
    """Zero-padded float64 ``(batch, time, labels)`` array and the lengths."""
    lengths = numpy.asarray([len(e) for e in emissions], dtype=numpy.int64)
    padded = numpy.zeros((len(emissions), int(lengths.max(initial=0)), n_labels))
    for i, e in enumerate(emissions):
        padded[i, : len(e)] = e
    return padded, lengths


def viterbi(emissions, lengths, label_mask, transitions, start, end) -> List[numpy.ndarray]:
    """Best path of each padded sequence under the constraints, as unpadded label ids.

    Small-array numpy calls dominate here, so each step uses the cheap ones: argmax and a
    flat gather rather than a max reduction.
    """
    batch, time, n = emissions.shape
    if time == 0:
        return [numpy.zeros(0, dtype=numpy.int64) for _ in range(batch)]
    emissions = numpy.where(label_mask[:, None, :], emissions, NEG)
    incoming = numpy.ascontiguousarray(transitions.T)[None]  # [current, previous]
    rows = numpy.arange(batch * n) * n  # flat offset of each (sequence, current label) row
    score = start[None, :] + emissions[:, 0]
    history = numpy.empty((time, batch, n), dtype=numpy.int64)
    history[0] = numpy.arange(n)
    for t in range(1, time):
        candidates = score[:, None, :] + incoming
        best_prev = candidates.argmax(axis=2)
        step = candidates.reshape(-1)[rows + best_prev.reshape(-1)].reshape(batch, n) + emissions[:, t]
        active = (t < lengths)[:, None]
        score = numpy.where(active, step, score)
        # padded steps point to themselves, so backtracking passes through them unchanged
        history[t] = numpy.where(active, best_prev, history[0])
    label = (score + end[None, :]).argmax(axis=1)
    path = numpy.empty((batch, time), dtype=numpy.int64)
    batch_rows = numpy.arange(batch)
    for t in range(time - 1, -1, -1):
        path[:, t] = label
        label = history[t][batch_rows, label]
    return [path[i, : lengths[i]] for i in range(batch)]


def forward_backward(emissions, lengths, label_mask, transitions, start, end) -> numpy.ndarray:
    """Per-token label marginals ``(batch, time, labels)``; zero on padding.

    Runs in probability space with every step rescaled to sum 1 (scores shifted by their
    maximum before exponentiation), so nothing over- or underflows.
    """
    batch, time, n = emissions.shape
    marginals = numpy.zeros((batch, time, n))
    if time == 0:
        return marginals
    emissions = numpy.where(label_mask[:, None, :], emissions, -numpy.inf)
    emit = numpy.exp(emissions - emissions.max(axis=2, keepdims=True))
    trans = numpy.exp(transitions - transitions.max())
    trans_t = numpy.ascontiguousarray(trans.T)
    ones = numpy.ones((n, 1))  # row sums as a matrix product, cheaper than a reduction here
    alphas = numpy.empty((time, batch, n))
    alpha = numpy.exp(start - start.max())[None, :] * emit[:, 0]
    alphas[0] = alpha / (alpha @ ones)
    for t in range(1, time):
        alpha = (alphas[t - 1] @ trans) * emit[:, t]
        alphas[t] = alpha / (alpha @ ones)
    final = numpy.exp(end - end.max())[None, :]
    beta = numpy.broadcast_to(final, (batch, n))
    last = numpy.maximum(lengths - 1, 0)
    for t in range(time - 1, -1, -1):
        # a sequence's backward pass starts at its own last token
        beta = numpy.where((t == last)[:, None], final, beta)
        joint = alphas[t] * beta
        marginals[:, t] = joint / (joint @ ones)
        if t:
            beta = (emit[:, t] * beta) @ trans_t
            beta = beta / (beta @ ones)
    active = numpy.arange(time)[None, :] < lengths[:, None]
    return numpy.where(active[:, :, None], marginals, 0.0)
