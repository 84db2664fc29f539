"""What characters text may carry, for every input: forms, JSON, CLI and files.

Single-line text (a title, a name, a postcode) ends up in e-mail headers, CSV cells,
map labels and file names: it refuses every control character (Unicode Cc), the
line and paragraph separators U+2028/U+2029, bidirectional overrides and isolates
(which reorder what a reader sees, "Trojan Source") and lone surrogates (which no
encoder can write). Free text (a description) also keeps line breaks and tabs.
"""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l

# Bidirectional embeddings, overrides and isolates: U+202A-U+202E, U+2066-U+2069.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
FREE_TEXT_CONTROLS = frozenset("\n\r\t")

CONTROL = _l("Ce champ contient un caractère de contrôle ou un saut de ligne interdit.")
CONTROL_FREE_TEXT = _l("Ce champ contient un caractère de contrôle interdit (seuls les sauts de ligne sont acceptés).")
DIRECTION = _l("Ce champ contient un caractère de direction d'écriture interdit.")
INVALID = _l("Ce champ contient un caractère non valide.")


def forbidden_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character `value` may not carry, or None."""
    for char in value:
        if multiline and char in FREE_TEXT_CONTROLS:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs") or char in BIDI_CONTROLS or (not multiline and category in ("Zl", "Zp")):
            return char
    return None


def text_problem(value: str, *, multiline: bool = False):
    """Why `value` cannot be stored (a translatable message), or None."""
    char = forbidden_character(value, multiline=multiline)
    if char is None:
        return None
    if char in BIDI_CONTROLS:
        return DIRECTION
    if unicodedata.category(char) == "Cs":
        return INVALID
    return CONTROL_FREE_TEXT if multiline else CONTROL


def describe(char: str) -> str:
    """`U+000A` for messages that name the character (CLI, logs)."""
    return f"U+{ord(char):04X}"
