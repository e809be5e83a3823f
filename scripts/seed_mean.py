"""Pool paired-bootstrap reports of the same A − B comparison made with different training
seeds: seed_mean.py OUT.json REPORT.json... [--samples N --seed S] (each REPORT from
scripts/significance.py). F1s and the difference are means over the seeds. When every report
keeps its per-document counts, a pooled bootstrap (the same dev documents resampled in every
seed's pair) adds the 95 % interval of that mean; otherwise the output says which lack them.
When every report also keeps per-type counts, each entity type gets its own pooled bootstrap.
--leave-out ID,ID... scores without those documents (e.g. dev documents a training mix held)."""
import json
from pathlib import Path
from typing import List, Set

import typer
from numpy import mean

from spacy_aioner.bootstrap import describe, paired_bootstrap



def without_documents(path: Path, report: dict, leave_out: Set[str]) -> dict:
    """`report` without the per-document counts of the documents in `leave_out`."""
    if "counts_a" not in report:
        raise SystemExit(f"{path} has no per-document counts to leave documents out of.")
    missing = sorted(leave_out - set(report["document_ids"]))
    if missing:
        raise SystemExit(f"{path} scores no document {', '.join(missing)}.")
    keep = [i for i, doc_id in enumerate(report["document_ids"]) if doc_id not in leave_out]
    trimmed = dict(report, document_ids=[report["document_ids"][i] for i in keep])
    for key in ("counts_a", "counts_b"):
        trimmed[key] = [report[key][i] for i in keep]
    for key in ("counts_by_type_a", "counts_by_type_b"):
        if key in report:
            trimmed[key] = {label: [counts[i] for i in keep] for label, counts in report[key].items()}
    return trimmed


def pooled_per_type(reports: List[Path], loaded: List[dict], samples: int, seed: int) -> dict:
    """A pooled bootstrap per entity type; every report must count the same types."""
    labels = sorted(loaded[0]["counts_by_type_a"])
    for path, report in zip(reports, loaded):
        if sorted(report["counts_by_type_a"]) != labels:
            raise SystemExit(f"{path} has per-type counts of other types than {reports[0]}.")
    return {
        label: paired_bootstrap(
            [report["counts_by_type_a"][label] for report in loaded],
            [report["counts_by_type_b"][label] for report in loaded],
            samples=samples,
            seed=seed,
        )
        for label in labels
    }


def main(output_json: Path, reports: List[Path], samples: int = 10000, seed: int = 0,
         leave_out: str = typer.Option("", help="Comma-separated ids of documents to score without")):
    loaded = [json.loads(path.read_text()) for path in reports]
    summary = {"reports": [str(path) for path in reports], "runs": len(loaded)}
    if leave_out:
        left_out = set(leave_out.split(","))
        loaded = [without_documents(path, report, left_out) for path, report in zip(reports, loaded)]
        summary["left_out"] = sorted(left_out)
    without_counts = [str(path) for path, report in zip(reports, loaded) if "counts_a" not in report]
    if without_counts:
        summary.update({key: float(mean([report[key] for report in loaded])) for key in ("f1_a", "f1_b", "difference")})
        summary["no_interval"] = f"no per-document counts in {', '.join(without_counts)}"
        typer.echo(describe(summary))
    else:
        for path, report in zip(reports, loaded):
            if report["document_ids"] != loaded[0]["document_ids"]:
                raise SystemExit(f"{path} scores other documents (or another order) than {reports[0]}.")
        result = paired_bootstrap([r["counts_a"] for r in loaded], [r["counts_b"] for r in loaded], samples=samples, seed=seed)
        summary.update({"seed": seed, **result})
        typer.echo(describe(result))
        without_types = [str(path) for path, report in zip(reports, loaded) if "counts_by_type_a" not in report]
        if without_types:
            summary["no_per_type"] = f"no per-type counts in {', '.join(without_types)}"
            typer.echo(f"per type: {summary['no_per_type']}")
        else:
            summary["per_type"] = pooled_per_type(reports, loaded, samples, seed)
            for label, label_result in summary["per_type"].items():
                typer.echo(f"  {label}: {describe(label_result)}")
    output_json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    typer.run(main)
