"""Paired bootstrap of the dev F1 difference between two pipelines (A − B), as JSON plus a printed
summary: significance.py MODEL_A MODEL_B DATA OUT.json [--samples N --seed S]. The report keeps
the per-document counts, so reports of several seeds can be pooled (scripts/seed_mean.py)."""
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


def main(model_a: Path, model_b: Path, data: Path, output_json: Path, samples: int = 10000, seed: int = 0):
    counts = {}
    for model in (model_a, model_b):
        examples = predicted_examples(model, data)
        document_ids = [example.reference._.aioner_doc_id for example in examples]
        counts[model] = counts_per_document(examples)
        reference_f = get_ner_prf(examples)["ents_f"] or 0.0
        own_f = float(f1(numpy.asarray(counts[model]).sum(axis=0)))
        if abs(own_f - reference_f) > 1e-9:
            raise RuntimeError(f"{model}: per-document counts give F1 {own_f}, spaCy's scorer {reference_f}")
    result = paired_bootstrap(counts[model_a], counts[model_b], samples=samples, seed=seed)
    report = {
        "model_a": str(model_a),
        "model_b": str(model_b),
        "data": str(data),
        "seed": seed,
        **result,
        "document_ids": document_ids,
        "counts_a": counts[model_a],
        "counts_b": counts[model_b],
    }
    output_json.parent.mkdir(parents=True, exist_ok=True)
    output_json.write_text(json.dumps(report, indent=2))
    typer.echo(f"{model_a} − {model_b}: {describe(result)}")


if __name__ == "__main__":
    typer.run(main)
