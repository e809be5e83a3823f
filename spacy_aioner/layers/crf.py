"""A linear-chain CRF in torch with transition constraints and per-sequence label masks.

The libraries on PyPI (pytorch-crf, allennlp's CRF) have neither per-sequence label masks
nor constraints inside the likelihood, which the AIO scheme needs: a document of task T may
only use {B-T, I-T, O-T}, and I-X may only follow B-X or I-X. Forbidden moves and labels
get a large negative score in the likelihood, in Viterbi decoding and in the marginals.
"""
from typing import List, Sequence

import torch
from torch import nn

from ..scheme import is_valid_start, is_valid_transition

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
        emissions = emissions.masked_fill(~label_mask[:, None, :], NEG)
        transitions = self.transitions.masked_fill(~self.allowed_transitions, NEG)
        start = self.start_scores.masked_fill(~self.allowed_starts, NEG)
        return emissions, transitions, start

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

    def marginals(self, emissions, lengths, label_mask):
        """Per-token label marginals ``(batch, time, labels)``, as d(log Z)/d(emissions)."""
        with torch.enable_grad():
            emissions = emissions.detach().requires_grad_(True)
            log_z = self.log_partition(emissions, lengths, label_mask).sum()
            (grad,) = torch.autograd.grad(log_z, emissions)
        return grad

    def decode(self, emissions, lengths, label_mask) -> List[List[int]]:
        """The best label-id sequence of each sequence (Viterbi), unpadded."""
        emissions, transitions, start = self._constrained(emissions, label_mask)
        batch, time, _ = emissions.shape
        if time == 0:
            return [[] for _ in range(batch)]
        score = start[None, :] + emissions[:, 0]
        history = []
        for t in range(1, time):
            best, best_prev = (score[:, :, None] + transitions[None]).max(dim=1)
            step = best + emissions[:, t]
            active = (t < lengths)[:, None]
            score = torch.where(active, step, score)
            # padded steps point to themselves, so backtracking passes through unchanged
            identity = torch.arange(score.shape[1], device=score.device).expand_as(best_prev)
            history.append(torch.where(active, best_prev, identity))
        score = score + self.end_scores[None, :]
        paths = []
        for b in range(batch):
            n = int(lengths[b])
            if n == 0:
                paths.append([])
                continue
            label = int(score[b].argmax())
            path = [label]
            for t in range(n - 1, 0, -1):
                label = int(history[t - 1][b, label])
                path.append(label)
            paths.append(path[::-1])
        return paths
