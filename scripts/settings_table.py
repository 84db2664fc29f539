"""Write the README's configuration table from the declared settings (participatory/settings.py).

python scripts/settings_table.py          # rewrite the table in README.md
python scripts/settings_table.py --check  # exit 1 when README.md is not up to date (tests/test_settings.py)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from participatory.settings import readme_table  # noqa: E402  (the project root is not installed)

README = ROOT / "README.md"
START = "<!-- settings table: generated from participatory/settings.py by scripts/settings_table.py -->\n"
END = "<!-- end of the settings table -->\n"


def with_table(text: str) -> str:
    """`text` (the README) with the generated table between the markers."""
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise SystemExit(f"README.md lacks the markers {START.strip()} ... {END.strip()}")
    return head + START + readme_table() + END + tail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether README.md is up to date")
    args = parser.parse_args()
    text = README.read_text(encoding="utf-8")
    wanted = with_table(text)
    if args.check:
        if wanted != text:
            print("README.md's configuration table is out of date: run python scripts/settings_table.py")
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
