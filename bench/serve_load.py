"""Load on the service: N concurrent clients post the BioRED dev abstracts, one per request,
to `serve` on loopback; against `nlp.pipe` on the same texts in one process.

  python bench/serve_load.py --model training/all/model-best --clients 1 --clients 8

First the in-process rate (a fresh process: load, then time nlp.pipe over the texts, best of
`--rounds`); then the server is started (`python -m spacy_aioner serve`) and each client count
sends `--rounds` passes over the texts. Reported: texts/s, p50/p95 latency, the server's peak
RSS and the ratio to in-process, every latency kept. Bounded: --docs texts, --rounds passes,
--max-seconds per pass. Results: bench/results/serve_load.json.
"""
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List, Optional

import httpx2 as httpx
import typer

from spacy_aioner.corpora.pubtator import read_pubtator

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "pubtator" / "BioRED_TrainDev.PubTator"

IN_PROCESS = """
import json, sys, time, spacy
texts = json.load(open(sys.argv[1]))
nlp = spacy.load(sys.argv[2], config=json.loads(sys.argv[3]))
list(nlp.pipe(texts[:8]))  # warm-up
times = []
for _ in range(int(sys.argv[4])):
    started = time.perf_counter()
    list(nlp.pipe(texts, batch_size=32))
    times.append(time.perf_counter() - started)
print(json.dumps({"seconds": times}))
"""


def dev_texts(corpus: Path, docs: int) -> List[str]:
    """Title and abstract of the last `docs` documents of `corpus` (BioRED's dev split)."""
    sources = list(read_pubtator(corpus))[-docs:]
    return [" ".join(p.text for p in s.passages) for s in sources]


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def one_pass(url: str, texts: List[str], clients: int, max_seconds: float) -> dict:
    """`clients` threads share the texts, one request per text; latencies in seconds."""
    latencies, errors, lock, todo = [], [], threading.Lock(), list(range(len(texts)))

    def client():
        with httpx.Client(timeout=120) as session:
            while True:
                with lock:
                    if not todo:
                        return
                    i = todo.pop()
                started = time.perf_counter()
                response = session.post(f"{url}/annotate", json={"texts": [texts[i]]})
                elapsed = time.perf_counter() - started
                with lock:
                    (latencies if response.status_code == 200 else errors).append(
                        elapsed if response.status_code == 200 else response.status_code)
                if time.perf_counter() - begun > max_seconds:
                    return

    begun = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - begun
    return {"seconds": seconds, "texts_per_second": len(latencies) / seconds, "answered": len(latencies),
            "errors": errors, "latencies": latencies}


def main(
    model: Path = typer.Option(..., help="Trained pipeline folder"),
    clients: List[int] = typer.Option([1, 8], help="Concurrent clients (repeatable)"),
    docs: int = typer.Option(100, help="The last DOCS documents of the corpus"),
    rounds: int = typer.Option(3, help="Passes over the texts per setting"),
    max_seconds: float = typer.Option(600, help="Stop a pass after this long"),
    quantize: Optional[str] = typer.Option(None, help="int8 for both sides"),
    port: int = typer.Option(8181),
    corpus: Path = typer.Option(CORPUS),
    output: Path = typer.Option(ROOT / "bench" / "results" / "serve_load.json"),
):
    texts = dev_texts(corpus, docs)
    texts_file = output.parent / ".serve_load_texts.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    texts_file.write_text(json.dumps(texts))
    config = {"components": {"aioner_transformer": {"quantize": quantize}}} if quantize else {}
    try:
        run = subprocess.run([sys.executable, "-c", IN_PROCESS, str(texts_file), str(model), json.dumps(config),
                              str(rounds)], capture_output=True, text=True, check=True)
    finally:
        texts_file.unlink()
    in_process_seconds = json.loads(run.stdout.splitlines()[-1])["seconds"]
    in_process = len(texts) / min(in_process_seconds)
    typer.echo(f"in process: {in_process:.1f} texts/s")
    command = [sys.executable, "-m", "spacy_aioner", "serve", "--model", str(model), "--port", str(port)]
    server_log = output.parent / ".serve_load_server.log"  # a file, not a pipe nobody reads (it would fill and block)
    server = subprocess.Popen(command + (["--quantize", quantize] if quantize else []),
                              stdout=subprocess.DEVNULL, stderr=open(server_log, "w"), text=True)
    url, results = f"http://127.0.0.1:{port}", []
    try:
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                if server.poll() is not None:
                    sys.exit(f"the server stopped: {server_log.read_text()[-2000:]}")
                time.sleep(0.5)
        one_pass(url, texts[:8], 1, max_seconds)  # warm-up
        for count in clients:
            passes = [one_pass(url, texts, count, max_seconds) for _ in range(rounds)]
            best = max(passes, key=lambda p: p["texts_per_second"])
            latencies = sorted(best["latencies"])
            row = {
                "clients": count, "texts_per_second": best["texts_per_second"],
                "ratio_to_in_process": best["texts_per_second"] / in_process,
                "p50_ms": 1000 * statistics.median(latencies),
                "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
                "errors": sum(len(p["errors"]) for p in passes),
                "passes": [{k: p[k] for k in ("seconds", "texts_per_second", "answered", "errors", "latencies")}
                           for p in passes],
            }
            results.append(row)
            typer.echo(f"{count} clients: {row['texts_per_second']:.1f} texts/s ({row['ratio_to_in_process']:.2f} of "
                       f"in process), p50 {row['p50_ms']:.0f} ms, p95 {row['p95_ms']:.0f} ms")
        server_peak = peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(60)
        server_log.unlink(missing_ok=True)
    report = {
        "command": " ".join(sys.argv), "date": time.strftime("%Y-%m-%d"), "machine": platform.platform(),
        "cpus": os.cpu_count(), "model": str(model), "quantize": quantize, "texts": len(texts),
        "words": sum(len(t.split()) for t in texts), "in_process_texts_per_second": in_process,
        "in_process_seconds": in_process_seconds,
        "server_peak_rss_mb": server_peak, "results": results,
    }
    output.write_text(json.dumps(report, indent=1))
    typer.echo(f"server peak RSS {server_peak:.0f} MB -> {output}")


if __name__ == "__main__":
    typer.run(main)
