"""Is one pipeline's entity F1 really above another's? A paired bootstrap over documents.

Both pipelines are scored on the same documents; resampling documents with replacement
(the same draw for both) gives the spread of the F1 difference that comes from which
documents happen to be in the dev set (Koehn 2004; Berg-Kirkpatrick et al. 2012).
"""
import hashlib
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy
import spacy
from spacy.language import Language
from spacy.scorer import get_ner_prf
from spacy.training import Example

from .training_corpus import create_task_corpus

Counts = Tuple[int, int, int]


def entity_counts(example: Example, label: Optional[str] = None) -> Counts:
    """True positives, false positives and false negatives of ``doc.ents`` in one example (of
    the entities labelled `label` only, when given), counted as spaCy's NER scorer
    (``spacy.scorer.get_ner_prf``) counts them overall and per type."""
    if not example.reference.has_annotation("ENT_IOB"):
        return 0, 0, 0
    golds = {(e.label_, e.start, e.end) for e in example.reference.ents if label in (None, e.label_)}
    n_gold = len(golds)
    tp = fp = 0
    x2y = example.alignment.x2y
    for ent in example.predicted.ents:
        if label not in (None, ent.label_):
            continue
        indices = x2y[ent.start : ent.end]
        if not len(indices):
            continue
        gold_tokens = example.reference[indices[0] : indices[-1] + 1]
        if any(token.ent_iob == 0 for token in gold_tokens):
            continue  # unannotated in the reference: neither right nor wrong, as spaCy
        key = (ent.label_, indices[0], indices[-1] + 1)
        if key in golds:
            tp += 1
            golds.remove(key)
        else:
            fp += 1
    return tp, fp, n_gold - tp


def f1(counts: numpy.ndarray) -> numpy.ndarray:
    """Micro F1 of summed (tp, fp, fn) along the last axis; 0 where nothing was found or due."""
    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    denominator = 2 * tp + fp + fn
    return numpy.where(denominator > 0, 2 * tp / numpy.maximum(denominator, 1), 0.0)


def paired_bootstrap(counts_a, counts_b, *, samples: int = 10000, seed: int = 0) -> Dict[str, float]:
    """F1 of A and B, their difference A − B, its 95 % interval over ``samples`` resamplings of
    the documents, and the share of resamplings in which A is not above B (a one-sided p).

    Counts are per-document (tp, fp, fn), shape (docs, 3), or one such table per run of A and
    B (e.g. per training seed), shape (runs, docs, 3): each resampling then draws the same
    documents in every run, and F1s and the difference are means over the runs.
    """
    a, b = numpy.asarray(counts_a, dtype="int64"), numpy.asarray(counts_b, dtype="int64")
    if a.ndim == 2 and b.ndim == 2:
        a, b = a[None], b[None]
    if a.shape != b.shape or a.ndim != 3 or a.shape[2] != 3:
        raise ValueError(
            f"Per-document counts must pair up as (docs, 3) or (runs, docs, 3) arrays, got {a.shape} and {b.shape}."
        )
    if a.shape[1] == 0:
        raise ValueError("No documents to resample.")
    n_docs = a.shape[1]
    draws = numpy.random.default_rng(seed).integers(0, n_docs, size=(samples, n_docs))
    diffs = (f1(a[:, draws].sum(axis=2)) - f1(b[:, draws].sum(axis=2))).mean(axis=0)
    low, high = numpy.percentile(diffs, [2.5, 97.5])
    f1_a, f1_b = float(f1(a.sum(axis=1)).mean()), float(f1(b.sum(axis=1)).mean())
    return {
        "f1_a": f1_a,
        "f1_b": f1_b,
        "difference": f1_a - f1_b,
        "ci95_low": float(low),
        "ci95_high": float(high),
        "p_a_not_better": float(numpy.mean(diffs <= 0)),
        "runs": int(a.shape[0]),
        "documents": int(n_docs),
        "samples": int(samples),
    }


def describe(result: Dict[str, object]) -> str:
    """One line for a ``paired_bootstrap`` result, in F1 points; a mean without an interval
    (``no_interval`` says why) gets its reason instead."""
    runs = f"mean over {result['runs']} runs: " if result["runs"] > 1 else ""
    head = f"{runs}F1 {100 * result['f1_a']:.2f} − {100 * result['f1_b']:.2f} = {100 * result['difference']:+.2f}"
    if "no_interval" in result:
        return f"{head} (no interval: {result['no_interval']})"
    return (
        f"{head} (95% CI {100 * result['ci95_low']:+.2f} to {100 * result['ci95_high']:+.2f}; A not better in "
        f"{100 * result['p_a_not_better']:.1f}% of {result['samples']} resamplings of {result['documents']} docs)"
    )


def counts_per_document(examples: List[Example], label: Optional[str] = None) -> List[Counts]:
    """``entity_counts`` of each example (of `label` only, when given), in order."""
    return [entity_counts(example, label) for example in examples]


def pipeline_counts(model: Path, data: Path) -> Dict[str, object]:
    """A pipeline's per-document counts on DocBin `data` (each document under its own task):
    ``example_counts`` of its predictions."""
    nlp = spacy.load(model)
    examples = predict(nlp, list(create_task_corpus(data)(nlp)))
    return example_counts(examples, model=model, data=data)


def predict(nlp: Language, examples: List[Example]) -> List[Example]:
    """`examples` with the pipeline's predictions in ``example.predicted``, kept for scoring and
    counting (``nlp.evaluate`` scores copies and keeps none)."""
    for example, doc in zip(examples, nlp.pipe(example.predicted for example in examples)):
        example.predicted = doc
    return examples


def example_counts(examples: List[Example], *, model: Path, data: Path) -> Dict[str, object]:
    """Per-document counts of predicted `examples` of `model` on `data`, overall and per
    predicted or gold type, each checked against spaCy's NER scorer: the documents' ids,
    ``counts`` and ``counts_by_type``, with the model and data they came from."""
    scores = get_ner_prf(examples)
    per_type = scores["ents_per_type"] or {}
    return {
        "model": str(model),
        "data": str(data),
        "data_md5": data_md5(data),
        "document_ids": [example.reference._.aioner_doc_id for example in examples],
        "counts": _checked_counts(model, examples, None, scores["ents_f"]),
        "counts_by_type": {
            label: _checked_counts(model, examples, label, per_type[label]["f"]) for label in sorted(per_type)
        },
    }


def data_md5(data: Path) -> str:
    """The md5 of a DocBin, or of a folder's DocBins (their paths inside it and their bytes, in
    path order): what counts and reports are checked by, whatever the path is spelled."""
    data = Path(data)
    files = sorted(data.rglob("*.spacy")) if data.is_dir() else [data]
    digest = hashlib.md5()
    for path in files:
        if data.is_dir():
            digest.update(path.relative_to(data).as_posix().encode("utf8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _checked_counts(model: Path, examples: List[Example], label: Optional[str], reference_f) -> List[Counts]:
    """``counts_per_document`` (of `label` only, when given), checked against spaCy's F."""
    counts = counts_per_document(examples, label)
    own_f = float(f1(numpy.asarray(counts).sum(axis=0)))
    if abs(own_f - (reference_f or 0.0)) > 1e-9:
        raise RuntimeError(f"{model}, {label or 'all types'}: per-document counts give F1 {own_f}, spaCy's scorer {reference_f}")
    return counts
