"""Pages: the national map (home) and one page per constituency."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from constituencies import queries
from constituencies.services import boundaries_loaded
from participatory.extensions import db

bp = Blueprint("constituencies", __name__)


@bp.get("/")
def home():
    items = queries.all_constituencies(db.session)
    # The search works without JavaScript too: ?q= renders its results in place of the list.
    text = request.args.get("q", "")[:100].strip()
    by_code = {c.code: c for c in items}
    found = [(by_code[m.code], m) for m in queries.search(db.session, text)] if text else None
    return render_template(
        "constituencies/home.html",
        constituencies=[c for c in items if not c.is_abroad],
        abroad=[c for c in items if c.is_abroad],
        total=len(items),
        # Overseas departments and collectivities: the map's selector zooms on each.
        overseas=sorted(
            {(c.department_code, c.department_name) for c in items if c.department_code[0] == "Z" and not c.is_abroad},
            key=lambda pair: pair[1],
        ),
        query=text,
        found=found,
        boundaries_loaded=boundaries_loaded(db.session),
        tile_url=current_app.config["MAP_TILE_URL"],
        tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
    )


@bp.get("/circonscriptions/<code>")
def detail(code: str):
    item = queries.get(db.session, code.upper())
    if item is None:
        abort(404)
    return render_template(
        "constituencies/detail.html",
        constituency=item,
        tile_url=current_app.config["MAP_TILE_URL"],
        tile_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
    )
