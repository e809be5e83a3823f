"""Paired bootstrap of the dev F1 difference between two pipelines (A − B), overall and per entity
type, as JSON plus a printed summary: significance.py MODEL_A MODEL_B DATA OUT.json [--samples N
--seed S]. The report keeps the per-document counts (overall and per type), so reports of several
seeds can be pooled (scripts/seed_mean.py)."""
import json
from pathlib import Path

import numpy
import spacy
import typer
from spacy.scorer import get_ner_prf

from spacy_aioner.significance import counts_per_document, describe, f1, paired_bootstrap
from spacy_aioner.training import create_task_corpus


def predicted_examples(model: Path, data: Path):
    """The data's examples with the model's predictions (``nlp.evaluate`` scores copies, so the
    pipeline is run here)."""
    nlp = spacy.load(model)
    examples = list(create_task_corpus(data)(nlp))
    for example, doc in zip(examples, nlp.pipe(example.predicted for example in examples)):
        example.predicted = doc
    return examples


def checked_counts(model: Path, examples, label, reference_f):
    """Per-document counts (of `label` only, when given), checked against spaCy's scorer's F."""
    counts = counts_per_document(examples, label)
    own_f = float(f1(numpy.asarray(counts).sum(axis=0)))
    if abs(own_f - (reference_f or 0.0)) > 1e-9:
        raise RuntimeError(f"{model}, {label or 'all types'}: per-document counts give F1 {own_f}, spaCy's scorer {reference_f}")
    return counts


def main(model_a: Path, model_b: Path, data: Path, output_json: Path, samples: int = 10000, seed: int = 0):
    examples = {model: predicted_examples(model, data) for model in (model_a, model_b)}
    scores = {model: get_ner_prf(model_examples) for model, model_examples in examples.items()}
    labels = sorted({label for model_scores in scores.values() for label in model_scores["ents_per_type"] or {}})
    counts, counts_by_type = {}, {}
    for model, model_examples in examples.items():
        counts[model] = checked_counts(model, model_examples, None, scores[model]["ents_f"])
        per_type = scores[model]["ents_per_type"] or {}
        counts_by_type[model] = {
            label: checked_counts(model, model_examples, label, per_type.get(label, {}).get("f")) for label in labels
        }
    document_ids = [example.reference._.aioner_doc_id for example in examples[model_a]]
    result = paired_bootstrap(counts[model_a], counts[model_b], samples=samples, seed=seed)
    by_type = {
        label: paired_bootstrap(counts_by_type[model_a][label], counts_by_type[model_b][label], samples=samples, seed=seed)
        for label in labels
    }
    report = {
        "model_a": str(model_a),
        "model_b": str(model_b),
        "data": str(data),
        "seed": seed,
        **result,
        "per_type": by_type,
        "document_ids": document_ids,
        "counts_a": counts[model_a],
        "counts_b": counts[model_b],
        "counts_by_type_a": counts_by_type[model_a],
        "counts_by_type_b": counts_by_type[model_b],
    }
    output_json.parent.mkdir(parents=True, exist_ok=True)
    output_json.write_text(json.dumps(report, indent=2))
    typer.echo(f"{model_a} − {model_b}: {describe(result)}")
    for label, label_result in by_type.items():
        typer.echo(f"  {label}: {describe(label_result)}")


if __name__ == "__main__":
    typer.run(main)
