"""The biomedical tokenizer: spaCy's English tokenizer, with every symbol its own token.

Mention boundaries in biomedical text often fall inside what English tokenization keeps
whole (``HNF-6``, ``Na(v)1.5``, ``G-->A``, ``BRCA1/2``). Like AIONER's own preprocessing,
this tokenizer splits every character that is neither a letter, a digit, ``_`` nor
whitespace into a token of its own, so such boundaries fall between tokens.
"""
from typing import Callable

from spacy.lang.en import English
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex, registry

SYMBOL = r"[^\w\s]"


def make_biomedical_tokenizer(nlp: Language) -> Tokenizer:
    """Build the biomedical tokenizer for `nlp`'s vocab."""
    defaults = English.Defaults
    prefixes = list(defaults.prefixes) + [SYMBOL]
    suffixes = list(defaults.suffixes) + [SYMBOL]
    infixes = list(defaults.infixes) + [SYMBOL]
    return Tokenizer(
        nlp.vocab,
        rules={},
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=None,
        url_match=None,
    )


@registry.tokenizers("spacy-aioner.BiomedicalTokenizer.v1")
def create_biomedical_tokenizer() -> Callable[[Language], Tokenizer]:
    """Registered tokenizer factory, for ``[nlp.tokenizer]`` in a training config."""
    return make_biomedical_tokenizer


def blank_biomedical() -> Language:
    """A blank English pipeline using the biomedical tokenizer."""
    nlp = English()
    nlp.tokenizer = make_biomedical_tokenizer(nlp)
    return nlp
