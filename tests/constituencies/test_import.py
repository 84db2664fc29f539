"""Boundary import: both schemas, repair, and every malformed case changing nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from constituencies.models import BoundaryImport, Constituency
from constituencies.services import import_boundaries
from participatory import clock
from participatory.extensions import db
from tests.conftest import SHARED_GEOJSON, requires_shared

OFFICIAL = __import__("pathlib").Path(__file__).parent / "data" / "official-schema.geojson"


def snapshot(session):
    """What an import may change: the geometry of every constituency and the import records."""
    rows = session.execute(select(Constituency.code, Constituency.geometry_wkb).order_by(Constituency.code)).all()
    return rows, session.scalar(select(func.count()).select_from(BoundaryImport))


@pytest.fixture
def restore_shared_boundaries(app):
    yield
    with app.app_context():
        if SHARED_GEOJSON.is_file():
            import_boundaries(db.session, SHARED_GEOJSON.read_bytes(), str(SHARED_GEOJSON), clock.now())
            db.session.commit()


@requires_shared
def test_shared_2012_file_gives_566_polygons_and_11_without(session):
    with_geometry = session.scalar(select(func.count()).where(Constituency.geometry_wkb.is_not(None)))
    without = session.scalars(select(Constituency.code).where(Constituency.geometry_wkb.is_(None))).all()
    assert with_geometry == 566
    assert sorted(without) == [f"ZZ-{n:02d}" for n in range(1, 12)]


def test_official_schema_fixture_imports_and_repairs(app, restore_shared_boundaries):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["constituencies", "import", str(OFFICIAL), "--partial"])
    assert result.exit_code == 0, result.output
    assert "Replaced 4 boundaries (official schema); kept 562 as they were" in result.output
    with app.app_context():
        coded = dict(db.session.execute(select(Constituency.code, Constituency.geometry_wkb)).all())
        assert {"33-04", "2A-01", "ZA-02", "75-18"} <= {c for c, g in coded.items() if g is not None}
        import shapely

        bowtie = shapely.from_wkb(coded["75-18"])  # self-intersecting in the file, repaired on import
        assert bowtie.is_valid and bowtie.area > 0
        last = db.session.scalar(select(BoundaryImport).order_by(BoundaryImport.id.desc()))
        assert last.schema == "official"


def feature(props, geometry=None):
    return {
        "type": "Feature",
        "properties": props,
        "geometry": geometry or {"type": "Polygon", "coordinates": [[[0, 45], [1, 45], [1, 46], [0, 45]]]},
    }


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


MALFORMED = [
    ("not-json", "{ this is not json", "not a JSON file"),
    ("not-utf8", b"\xff\xfe\x00garbage", "not a JSON file"),
    ("not-a-collection", json.dumps({"type": "Feature", "properties": {}}), "not a GeoJSON FeatureCollection"),
    ("a-list", json.dumps([1, 2]), "not a GeoJSON FeatureCollection"),
    ("no-features", json.dumps({"type": "FeatureCollection", "features": []}), "has no features"),
    ("not-a-feature", json.dumps({"type": "FeatureCollection", "features": [42]}), "feature 1: not a GeoJSON Feature"),
    (
        "wrong-geometry",
        collection(
            feature({"code_dpt": "33", "num_circ": "4"}),
            feature({"code_dpt": "33", "num_circ": "5"}, {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}),
        ),
        "feature 2: geometry type 'LineString'",
    ),
    (
        "point-geometry",
        collection(feature({"code_dpt": "33", "num_circ": "4"}, {"type": "Point", "coordinates": [0, 0]})),
        "geometry type 'Point'",
    ),
    (
        "no-geometry",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {"code_dpt": "33", "num_circ": "4"}, "geometry": None}],
            }
        ),
        "feature 1: no geometry",
    ),
    (
        "bad-coordinates",
        collection(feature({"code_dpt": "33", "num_circ": "4"}, {"type": "Polygon", "coordinates": "nope"})),
        "unreadable coordinates",
    ),
    ("unknown-code", collection(feature({"code_dpt": "33", "num_circ": "99"})), "unknown constituency 33-99"),
    (
        "duplicate-code",
        collection(feature({"code_dpt": "33", "num_circ": "4"}), feature({"code_dpt": "33", "num_circ": "4"})),
        "feature 2: duplicate constituency 33-04",
    ),
    ("missing-properties", collection(feature({"name": "x"})), "missing properties"),
    ("missing-number", collection(feature({"code_dpt": "33"})), "missing property num_circ"),
    (
        "mixed-schemas",
        collection(feature({"code_dpt": "33", "num_circ": "4"}), feature({"codeCirconscription": "3305"})),
        "mixes the 2012 and the official schemas",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_file_is_refused_and_changes_nothing(app, tmp_path, name, content, message):
    path = tmp_path / f"{name}.geojson"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with app.app_context():
        before = snapshot(db.session)
    result = app.test_cli_runner().invoke(args=["constituencies", "import", str(path)])
    assert result.exit_code != 0
    assert message in result.output
    assert "Nothing was changed" in result.output
    with app.app_context():
        assert snapshot(db.session) == before


def test_missing_file_is_a_clear_error(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["constituencies", "import", str(tmp_path / "absent.geojson")])
    assert result.exit_code != 0 and "no such file" in result.output


def test_unreachable_url_is_a_clear_error(app):
    result = app.test_cli_runner().invoke(args=["constituencies", "import", "http://127.0.0.1:9/none.geojson"])
    assert result.exit_code != 0 and "cannot download" in result.output


def test_bootstrap_without_any_source_still_lists_577(app, tmp_path, monkeypatch, restore_shared_boundaries):
    """No configured file and no network: the list is there and the map says boundaries are missing."""
    with app.app_context():
        db.session.execute(db.update(Constituency).values(geometry_wkb=None, display_geojson=None))
        db.session.execute(db.delete(BoundaryImport))
        db.session.commit()
    monkeypatch.setitem(app.config, "CONSTITUENCIES_GEOJSON", "")
    monkeypatch.setitem(app.config, "CONSTITUENCIES_GEOJSON_URL", "http://127.0.0.1:9/unreachable.geojson")
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["constituencies", "bootstrap"])
    assert result.exit_code == 0, result.output
    assert "boundaries not loaded" in result.output
    page = app.test_client().get("/")
    assert page.status_code == 200
    assert b'id="boundaries-missing"' in page.data
    assert page.data.count(b"/circonscriptions/") >= 577
    assert app.test_client().get("/api/v1/constituencies").json["count"] == 577


@requires_shared
def test_bootstrap_keeps_loaded_boundaries(app):
    result = app.test_cli_runner().invoke(args=["constituencies", "bootstrap"])
    assert result.exit_code == 0 and "already loaded" in result.output


SQUARE = [[[0, 45], [1, 45], [1, 46], [0, 45]]]


def _polygon(coordinates):
    return {"type": "Polygon", "coordinates": coordinates}


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


HOSTILE_FILES = [
    (
        "nan-literal",
        collection(feature({"code_dpt": "33", "num_circ": "4"}, _polygon(SQUARE))).replace("45]", "NaN]", 1),
        "NaN is not a number",
    ),
    (
        "infinity-literal",
        collection(feature({"code_dpt": "33", "num_circ": "4"})).replace("[0, 45]", "[Infinity, 45]", 1),
        "Infinity is not a number",
    ),
    (
        "minus-infinity",
        collection(feature({"code_dpt": "33", "num_circ": "4"})).replace("[0, 45]", "[-Infinity, 45]", 1),
        "-Infinity is not a number",
    ),
    (
        "overflowing-number",
        collection(feature({"code_dpt": "33", "num_circ": "4"})).replace("[1, 45]", "[1e999, 45]", 1),
        "feature 1: coordinates that are not finite numbers",
    ),
    ("deep-json", '{"type": "FeatureCollection", "features": ' + _nested(200_000) + "}", "nested too deeply"),
    (
        "deep-coordinates",
        collection(feature({"code_dpt": "33", "num_circ": "4"}, _polygon(json.loads(_nested(500))))),
        "feature 1: unreadable coordinates",
    ),
    ("huge-number", collection(feature({"code_dpt": "33", "num_circ": "9" * 5000})), "is not a number"),
]


@pytest.mark.parametrize(("name", "content", "message"), HOSTILE_FILES, ids=[m[0] for m in HOSTILE_FILES])
def test_non_finite_or_deeply_nested_files_are_a_clear_error_and_change_nothing(app, tmp_path, name, content, message):
    path = tmp_path / f"{name}.geojson"
    path.write_text(content)
    with app.app_context():
        before = snapshot(db.session)
    result = app.test_cli_runner().invoke(args=["constituencies", "import", str(path), "--partial"])
    assert result.exit_code == 1  # a ClickException: a message, no traceback
    assert message in result.output and "Nothing was changed" in result.output
    assert "Traceback" not in result.output
    with app.app_context():
        assert snapshot(db.session) == before


@requires_shared
@pytest.mark.parametrize("codes", [["33-04"], ["33-04", "75-18", "2A-01"]])
def test_a_file_that_leaves_constituencies_out_needs_partial(app, tmp_path, codes, restore_shared_boundaries):
    features = [feature({"code_dpt": c.split("-")[0], "num_circ": c.split("-")[1]}) for c in codes]
    path = tmp_path / "part.geojson"
    path.write_text(collection(*features))
    with app.app_context():
        before = snapshot(db.session)
    refused = app.test_cli_runner().invoke(args=["constituencies", "import", str(path)])
    assert refused.exit_code != 0 and "--partial" in refused.output and "Nothing was changed" in refused.output
    assert f"leaves out {566 - len(codes)} constituencies" in refused.output
    with app.app_context():
        assert snapshot(db.session) == before
    done = app.test_cli_runner().invoke(args=["constituencies", "import", str(path), "--partial"])
    assert done.exit_code == 0, done.output
    assert f"Replaced {len(codes)} boundaries" in done.output and f"kept {566 - len(codes)} as they were" in done.output
    with app.app_context():
        after = dict(db.session.execute(select(Constituency.code, Constituency.geometry_wkb)).all())
        old = dict(before[0])
        assert sum(1 for g in after.values() if g is not None) == 566
        assert all(after[c] != old[c] for c in codes)
        assert all(after[c] == old[c] for c in old if c not in codes)
