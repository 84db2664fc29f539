"""``python -m participatory.tally FILE.pb [--rule R] [--json] [--explain]``.

Prints the selected project ids, one per line, in the order the rule selected
them; or, with ``--json``, an object with ``selected``, ``spent`` and
``seconds`` (parse and tally time), plus ``rule``, ``budget``, ``voters`` and,
with ``--explain``, one entry per project. Exit status 2, with a message on
stderr, on bad input: missing file, malformed file, unsupported vote type,
unknown rule.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from participatory.tally.model import TallyError
from participatory.tally.pabulib import PabulibError, read_pabulib
from participatory.tally.rules import GREEDY, RULES, tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m participatory.tally", description="Tally a pabulib approval election."
    )
    parser.add_argument("file", help="a pabulib .pb file (approval or choose-1 ballots)")
    parser.add_argument("--rule", choices=RULES, default=GREEDY, help="default: %(default)s")
    parser.add_argument("--json", action="store_true", help="print JSON instead of one id per line")
    parser.add_argument("--explain", action="store_true", help="with --json: add every project's outcome")
    args = parser.parse_args(argv)  # exits with status 2 on a bad rule
    started = time.perf_counter()
    try:
        election = read_pabulib(args.file)
        result = tally(election, args.rule)
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except (PabulibError, TallyError) as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        data = result.to_dict(explain=args.explain)
        data["seconds"] = round(time.perf_counter() - started, 6)
        print(json.dumps(data, ensure_ascii=False))
    else:
        for project_id in result.selected:
            print(project_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
