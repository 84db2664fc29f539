"""Every French source string has its English translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
METHODS = [("participatory/**.py", "python"), ("constituencies/**.py", "python"), ("templates/**.html", "jinja2")]


def test_english_catalogue_is_complete():
    with open(ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string and not m.fuzzy}
    missing = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords={"_": None, "_l": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid and msgid not in translated:
            missing.add(msgid)
    assert not missing, f"untranslated (run `make translations`, fill messages.po): {sorted(missing)}"
