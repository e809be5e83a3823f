"""Variants are normalized by their form, not by a dictionary: an rsID stays an rsID, and an
HGVS-like substitution, deletion, insertion or frameshift becomes tmVar's key, the identifier
form of the corpora (``p|SUB|V|600|E``, ``c|SUB|T|1799|A``, ``c|DEL|4153|A``, ``p|FS|R|58||``).

Amino acids are one-letter in the key, as in tmVar: ``p.Val600Glu``, ``p.V600E`` and ``V600E``
all give ``p|SUB|V|600|E``. A mention that fits no pattern gives None.
"""
import re
from typing import Optional

AMINO_ACIDS = {
    "ala": "A", "arg": "R", "asn": "N", "asp": "D", "cys": "C", "gln": "Q", "glu": "E", "gly": "G", "his": "H",
    "ile": "I", "leu": "L", "lys": "K", "met": "M", "phe": "F", "pro": "P", "ser": "S", "thr": "T", "trp": "W",
    "tyr": "Y", "val": "V", "ter": "X", "stop": "X", "sec": "U",
}
ONE_LETTER = "ACDEFGHIKLMNPQRSTVWYXU*"
_AA3 = "|".join(sorted(AMINO_ACIDS, key=len, reverse=True))
_AA = rf"(?:{_AA3}|[{ONE_LETTER}])"

RSID = re.compile(r"^\s*rs\s?#?\s?(\d+)\s*$", re.IGNORECASE)
PROTEIN_SUB = re.compile(rf"^(?:p\.\s?)?\(?({_AA})\s?(\d+)\s?({_AA})\)?$", re.IGNORECASE)
PROTEIN_FS = re.compile(rf"^(?:p\.\s?)?({_AA})(\d+)(?:{_AA})?\s?fs(?:\*?\d+|X\d*)?$", re.IGNORECASE)
DNA_SUB = re.compile(r"^(?:([cgmnr])\.\s?)?([-+*]?\d+(?:[-+_]\d+)*)\s?([ACGTU])\s?(?:>|->|/|→)\s?([ACGTU])$", re.IGNORECASE)
DNA_DEL_INS = re.compile(r"^(?:([cgmnr])\.\s?)?([-+*]?\d+(?:[-+_]\d+)*)\s?(del|ins|dup)\s?([ACGTU]*)$", re.IGNORECASE)


def _one_letter(amino_acid: str) -> str:
    return AMINO_ACIDS.get(amino_acid.lower(), amino_acid.upper().replace("*", "X"))


def normalize_variant(text: str) -> Optional[str]:
    """The canonical identifier of a variant mention (rsID or tmVar key), or None."""
    text = text.strip()
    match = RSID.match(text)
    if match:
        return f"rs{match.group(1)}"
    compact = re.sub(r"\s+", "", text)
    match = PROTEIN_FS.match(compact)
    if match:
        return f"p|FS|{_one_letter(match.group(1))}|{match.group(2)}||"
    match = DNA_SUB.match(compact)
    if match:
        kind = (match.group(1) or "c").lower()
        return f"{kind}|SUB|{match.group(3).upper()}|{match.group(2)}|{match.group(4).upper()}"
    match = DNA_DEL_INS.match(compact)
    if match:
        kind, operation = (match.group(1) or "c").lower(), match.group(3).upper()
        return f"{kind}|{operation}|{match.group(2)}|{match.group(4).upper()}"
    match = PROTEIN_SUB.match(compact)
    if match and (text.lower().startswith("p.") or len(match.group(1)) == len(match.group(3))):
        return f"p|SUB|{_one_letter(match.group(1))}|{match.group(2)}|{_one_letter(match.group(3))}"
    return None
