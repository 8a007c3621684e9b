"""Names as people type and read them: accents and case loosely, numbers as numbers.

`fold("Télé 5") == fold("tele 5")`: what a search or a completion compares, so a
person typing without accents (or on a TV remote) finds "Télé" and "Ñ"; `natural_key`
sorts "Channel 87" before "Channel 131", as a person reads them.
"""

from __future__ import annotations

import re
import unicodedata

_DIGITS = re.compile(r"(\d+)")


def fold(text: str) -> str:
    """`text` without accents, case folded: "Ça Télé" → "ca tele" (ASCII costs one casefold)."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def natural_key(text: str) -> tuple[tuple[str, int], ...]:
    """A sort key that orders the numbers inside names by value: "Sport 9" < "Sport 10" < "sport 87"."""
    parts = _DIGITS.split(fold(text))  # text, number, text, number, …, text
    return tuple((parts[i], int(parts[i + 1]) if i + 1 < len(parts) else -1) for i in range(0, len(parts), 2))
