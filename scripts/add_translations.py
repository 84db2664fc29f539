"""Add or update English translations in translations/en/LC_MESSAGES/messages.po.

Usage: python scripts/add_translations.py FILE.json   (a JSON object: French source -> English)
Then `make compile-translations`. `tests/test_translations.py` lists any string still missing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).resolve().parents[1] / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    pairs = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    if not isinstance(pairs, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in pairs.items()):
        print("expected a JSON object of strings", file=sys.stderr)
        return 2
    with open(CATALOG, "rb") as fh:
        catalog = read_po(fh, locale="en")
    for french, english in pairs.items():
        catalog.add(french, english)
    with open(CATALOG, "wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, no_location=True, sort_output=True)
    print(f"{len(pairs)} translations in {CATALOG.relative_to(CATALOG.parents[3])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
