"""Normalised names, so that "José María Pérez" and "perez, jose-maria" match."""

import re
import unicodedata


def normalise_name(name: str) -> str:
    """Case, accents, punctuation, spacing and word order do not matter."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words = re.findall(r"[^\W_]+", plain)
    return " ".join(sorted(words))
