"""Paired bootstrap of the dev F1 difference between two pipelines (A − B), overall and per entity
type, as JSON plus a printed summary: significance.py A B DATA OUT.json [--samples N --seed S]
[--b-counts REPORT.json]. A and B are each a pipeline or its per-document counts on DATA (a JSON
file from scripts/evaluate.py --counts, checked against DATA by md5, or by path when written
before md5s were kept), so runs can be compared after their pipelines are
gone. The report keeps the per-document counts (overall and per type), so reports of several
seeds can be pooled (scripts/seed_mean.py), and a later comparison with the same B can take B's
counts from it (--b-counts)."""
import json
import sys
from pathlib import Path

import typer

from spacy_aioner.bootstrap import data_md5, describe, paired_bootstrap, pipeline_counts


class Refused(ValueError):
    """Inputs that do not belong together (other data, another model B, other documents)."""


def check_same_data(source: Path, record: dict, data: Path, md5: str) -> None:
    """Refuse a counts file or report (`record`, read from `source`) made on other data than `data`
    (whose md5 is `md5`): compared by md5 when it kept one, else (written before md5s were kept) by
    the path as spelled."""
    if "data_md5" in record:
        if record["data_md5"] != md5:
            raise Refused(f"{source}: it counts {record.get('data')!r}, not {str(data)!r} (compared by md5: other content)")
    elif record.get("data") != str(data):
        raise Refused(f"{source}: it counts {record.get('data')!r}, not {str(data)!r}"
                         " (compared by path: it was written before md5s were kept)")


def arm_counts(arm: Path, data: Path, md5: str):
    """The documents' ids and per-document counts, overall and per type, of a pipeline on `data`,
    or read from a counts file (scripts/evaluate.py --counts) of a pipeline on `data`."""
    if arm.is_file():
        counts = json.loads(arm.read_text())
        if "counts_by_type" not in counts:
            raise Refused(f"{arm}: not a per-document counts file (no counts_by_type)")
        check_same_data(arm, counts, data, md5)
    else:
        counts = pipeline_counts(arm, data)
    return counts["document_ids"], counts["counts"], counts["counts_by_type"]


def read_b_report(report_path: Path, model: Path, data: Path, md5: str):
    """An earlier report of this script that compared the same model B on the same data."""
    report = json.loads(report_path.read_text())
    if report.get("model_b") != str(model):
        raise Refused(f"{report_path}: its model_b is {report.get('model_b')!r}, not {str(model)!r}")
    check_same_data(report_path, report, data, md5)
    if "counts_by_type_b" not in report:
        raise Refused(f"{report_path}: no per-type counts (written before they were kept)")
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
    md5 = data_md5(data)
    b_report = read_b_report(b_counts, model_b, data, md5) if b_counts else None
    document_ids, counts_a, by_type_a = arm_counts(model_a, data, md5)
    if b_report is None:
        ids_b, counts_b, by_type_b = arm_counts(model_b, data, md5)
        if ids_b != document_ids:
            raise Refused(f"{model_a} and {model_b} count other documents (ids or order differ)")
    elif b_report.get("document_ids") != document_ids:
        raise Refused(f"{b_counts}: its documents are not {data}'s (ids or order differ)")
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
        "data_md5": md5,
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
    try:
        typer.run(main)
    except Refused as err:  # one plain line, no traceback; any other error keeps its traceback
        sys.exit(str(err))
