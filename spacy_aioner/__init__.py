"""spacy_aioner: all-in-one biomedical named entity recognition (AIONER) for spaCy."""
from . import extensions  # noqa: F401  (installs the Doc extensions)
from .scheme import ENTITY_TYPES, LABELS, MARKERS, TASKS

__version__ = "0.1.0"
__all__ = ["ENTITY_TYPES", "LABELS", "MARKERS", "TASKS"]
