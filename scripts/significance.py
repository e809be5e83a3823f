"""Paired bootstrap of the dev F1 difference between two pipelines (A − B), overall and per entity
type, as JSON plus a printed summary: significance.py MODEL_A MODEL_B DATA OUT.json [--samples N
--seed S] [--b-counts REPORT.json]. The report keeps the per-document counts (overall and per
type), so reports of several seeds can be pooled (scripts/seed_mean.py), and a later comparison
with the same B can take B's counts from it (--b-counts) once B's pipeline is gone."""
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


def model_counts(model: Path, data: Path):
    """The documents' ids and the model's per-document counts, overall and per predicted or gold
    type, each checked against spaCy's scorer."""
    examples = predicted_examples(model, data)
    scores = get_ner_prf(examples)
    per_type = scores["ents_per_type"] or {}
    counts = checked_counts(model, examples, None, scores["ents_f"])
    by_type = {label: checked_counts(model, examples, label, per_type[label]["f"]) for label in sorted(per_type)}
    return [example.reference._.aioner_doc_id for example in examples], counts, by_type


def read_b_report(report_path: Path, model: Path, data: Path):
    """An earlier report of this script that compared the same model B on the same data."""
    report = json.loads(report_path.read_text())
    for key, expected in (("model_b", str(model)), ("data", str(data))):
        if report.get(key) != expected:
            raise ValueError(f"{report_path}: its {key} is {report.get(key)!r}, not {expected!r}")
    if "counts_by_type_b" not in report:
        raise ValueError(f"{report_path}: no per-type counts (written before they were kept)")
    return report


def main(
    model_a: Path,
    model_b: Path,
    data: Path,
    output_json: Path,
    samples: int = 10000,
    seed: int = 0,
    b_counts: Path = typer.Option(None, help="Earlier report of MODEL_B on DATA: take B's counts from it"),
):
    b_report = read_b_report(b_counts, model_b, data) if b_counts else None
    document_ids, counts_a, by_type_a = model_counts(model_a, data)
    if b_report is None:
        ids_b, counts_b, by_type_b = model_counts(model_b, data)
        assert ids_b == document_ids
    elif b_report.get("document_ids") != document_ids:
        raise ValueError(f"{b_counts}: its documents are not {data}'s (ids or order differ)")
    else:
        counts_b, by_type_b = b_report["counts_b"], b_report["counts_by_type_b"]
    labels = sorted(set(by_type_a) | set(by_type_b))
    # a type neither found nor due in a model's output counts nothing there
    nothing = [[0, 0, 0]] * len(document_ids)
    by_type_a = {label: by_type_a.get(label, nothing) for label in labels}
    by_type_b = {label: by_type_b.get(label, nothing) for label in labels}
    result = paired_bootstrap(counts_a, counts_b, samples=samples, seed=seed)
    by_type = {
        label: paired_bootstrap(by_type_a[label], by_type_b[label], samples=samples, seed=seed) for label in labels
    }
    report = {
        "model_a": str(model_a),
        "model_b": str(model_b),
        "data": str(data),
        "seed": seed,
        **result,
        "per_type": by_type,
        "document_ids": document_ids,
        "counts_a": counts_a,
        "counts_b": counts_b,
        "counts_by_type_a": by_type_a,
        "counts_by_type_b": by_type_b,
    }
    output_json.parent.mkdir(parents=True, exist_ok=True)
    output_json.write_text(json.dumps(report, indent=2))
    typer.echo(f"{model_a} − {model_b}: {describe(result)}")
    for label, label_result in by_type.items():
        typer.echo(f"  {label}: {describe(label_result)}")


if __name__ == "__main__":
    typer.run(main)
