"""Dev F1 of a trained pipeline with each inference option, side by side: speed_options.py MODEL
DEV OUT_DIR. Options: int8 (per tensor, per channel, feed-forward only, ONNX Runtime if
installed), windows (256/224, one per document, passages), sorted batches; each scored by
scripts/evaluate.py with its override, then scripts/compare.py writes OUT_DIR/comparison.md."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import typer

HERE = Path(__file__).resolve().parent
SPANS = "components.aioner_transformer.model.get_spans"
OPTIONS = {
    "fp32": {},
    "int8": {"components.aioner_transformer.quantize": "int8"},
    "int8-channel": {"components.aioner_transformer.quantize": "int8-channel"},
    "int8-ffn": {"components.aioner_transformer.quantize": "int8-ffn"},
    "win256": {SPANS: {"@span_getters": "spacy-transformers.strided_spans.v1", "window": 256, "stride": 224}},
    "doc": {SPANS: {"@span_getters": "spacy-transformers.doc_spans.v1"}},
    "passages": {SPANS: {"@span_getters": "spacy-aioner.passage_spans.v1", "window": 128, "stride": 96}},
    "sorted": {"components.aioner_transformer.model.sorted_batch": 16},
    "onnx-int8": {"components.aioner_transformer.quantize": "onnx-int8"},  # with the onnx extra only
}


def main(model: Path, dev: Path, out_dir: Path):
    out_dir.mkdir(parents=True, exist_ok=True)
    options = dict(OPTIONS)
    if importlib.util.find_spec("onnxruntime") is None:
        del options["onnx-int8"]
        typer.echo('onnx-int8 left out: pip install -e ".[onnx]" to score it')
    for name, overrides in options.items():
        command = [sys.executable, str(HERE / "evaluate.py"), str(model), str(dev), str(out_dir / f"{name}.json"),
                   str(out_dir / f"{name}.md"), "--name", name]
        for key, value in overrides.items():
            command += ["--override", f"{key}={json.dumps(value)}"]
        subprocess.run(command, check=True)
    names = [option for name in options for option in ("--names", name)]
    subprocess.run([sys.executable, str(HERE / "compare.py"), str(out_dir), str(out_dir / "comparison.md"), *names],
                   check=True)


if __name__ == "__main__":
    typer.run(main)
