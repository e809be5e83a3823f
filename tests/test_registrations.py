"""The names the package registers with spaCy, pinned: a saved pipeline or a config refers to
them, so renaming one breaks users' files (as spaCy's own test_factory_registrations does)."""
import subprocess
import sys
from importlib.metadata import distribution

REGISTERED = {
    "spacy_factories": {"aioner", "aioner_transformer", "aioner_abbreviations", "aioner_linker"},
    "spacy_architectures": {"spacy-aioner.AIOTagger.v1", "spacy-aioner.TaskTransformerModel.v1"},
    "spacy_tokenizers": {"spacy-aioner.BiomedicalTokenizer.v1"},
    "spacy_readers": {"spacy-aioner.Corpus.v1"},
    "spacy_misc": {"spacy-aioner.offline_minilm.v1"},
    "spacy_span_getters": {"spacy-aioner.passage_spans.v1"},
    "spacy_callbacks": {"spacy-aioner.register_linker_kb.v1", "spacy-aioner.scispacy_pipes.v1"},
    "spacy_scorers": {"spacy-aioner.aioner_scorer.v1"},
}


def test_entry_points_are_exactly_the_pinned_names():
    found = {}
    for entry_point in distribution("spacy-aioner").entry_points:
        if entry_point.group.startswith("spacy_"):
            found.setdefault(entry_point.group, set()).add(entry_point.name)
    assert found == REGISTERED


def test_every_name_resolves_through_its_entry_point_in_a_fresh_process():
    """spaCy finds each name through its entry point, and the object it points to exists."""
    checks = ["import spacy", "from spacy.language import Language",
              "spacy.blank('en')  # loads the factories of every spacy_factories entry point"]
    for group, names in REGISTERED.items():
        registry = group.replace("spacy_", "")
        for name in sorted(names):
            if registry == "factories":
                checks.append(f"assert Language.has_factory({name!r}), {name!r}")
            elif registry == "span_getters":  # a registry spacy-transformers adds
                checks.append(f"import spacy_transformers; spacy.registry.get({registry!r}, {name!r})")
            else:
                checks.append(f"spacy.registry.get({registry!r}, {name!r})")
    result = subprocess.run([sys.executable, "-c", "\n".join(checks)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
