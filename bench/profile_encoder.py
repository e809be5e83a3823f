"""Where inference time goes: torch's profiler over `nlp.pipe` on the BioRED dev abstracts, by
operator (self CPU time), for the pipeline as saved and with ``quantize = "int8"``.

  python bench/profile_encoder.py training/all/model-best --docs 40

Results: bench/results/profile.json (top operators per variant, and the share of the whole
`nlp.pipe` time spent inside torch).
"""
import json
import time
from pathlib import Path

import spacy
import typer
from torch.profiler import ProfilerActivity, profile

from spacy_aioner.corpora.pubtator import read_pubtator

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "pubtator" / "BioRED_TrainDev.PubTator"
VARIANTS = {"fp32": {}, "int8": {"components": {"aioner_transformer": {"quantize": "int8"}}}}


def main(model: Path, docs: int = 40, top: int = 12, corpus: Path = CORPUS,
         output: Path = ROOT / "bench" / "results" / "profile.json"):
    texts = [" ".join(p.text for p in s.passages) for s in list(read_pubtator(corpus))[-docs:]]
    report = {"command": f"python bench/profile_encoder.py {model} --docs {docs}", "date": time.strftime("%Y-%m-%d"),
              "docs": len(texts), "variants": {}}
    for name, config in VARIANTS.items():
        nlp = spacy.load(model, config=config)
        list(nlp.pipe(texts[:4]))  # warm-up
        started = time.perf_counter()
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            list(nlp.pipe(texts))
        wall = time.perf_counter() - started
        events = prof.key_averages()
        torch_total = sum(e.self_cpu_time_total for e in events) / 1e6
        rows = sorted(events, key=lambda e: -e.self_cpu_time_total)[:top]
        report["variants"][name] = {
            "wall_seconds": wall, "torch_self_cpu_seconds": torch_total,
            "top_ops": [{"op": e.key, "self_cpu_seconds": e.self_cpu_time_total / 1e6,
                         "share_of_torch": e.self_cpu_time_total / 1e6 / torch_total, "calls": e.count} for e in rows],
        }
        typer.echo(f"{name}: {wall:.1f} s wall, {torch_total:.1f} s self CPU in torch operators")
        for e in rows[:8]:
            typer.echo(f"  {e.key:<40} {e.self_cpu_time_total / 1e6:7.2f} s  {100 * e.self_cpu_time_total / 1e6 / torch_total:5.1f} %")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    typer.run(main)
