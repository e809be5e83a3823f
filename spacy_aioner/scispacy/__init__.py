"""The scispaCy chain: the abbreviation-consistency pipe and offline entity linking.

Needs ``pip install "spacy-aioner[scispacy]"``. Nothing here imports scispaCy (or SciPy) until
it is used: spaCy loads every package's factories when it builds a pipeline, and
``aioner_abbreviations`` is one of them.
"""
from importlib import import_module

__all__ = ["add_abbreviation_step", "add_offline_linker", "build_linker_kb"]
_HOMES = {"add_abbreviation_step": ".abbreviations", "add_offline_linker": ".linking", "build_linker_kb": ".linking"}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(_HOMES[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
