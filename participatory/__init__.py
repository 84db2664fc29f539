"""The participatory-budgeting platform: create_app() assembles it from small steps.

Kept free of module-level Flask imports so that pure subpackages (participatory.tally)
can be run with `python -m` without loading the web stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    from participatory.app_factory import build_app

    return build_app(config)
