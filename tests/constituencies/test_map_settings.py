"""Background tiles and geocoder settings: IGN's Plan IGN and the national address service by default,
configurable, the tile origin (only) allowed in the CSP's img-src; the tests themselves stay offline."""

from __future__ import annotations

import pytest

from participatory import config


@pytest.mark.parametrize(
    ("env", "tiles", "geocoder"),
    [
        ({}, config.DEFAULT_TILE_URL, "https://api-adresse.data.gouv.fr/search/"),
        ({"MAP_TILE_URL": "none", "GEOCODER_URL": "off"}, "", ""),
        (
            {"MAP_TILE_URL": "https://tiles.example.org/{z}/{x}/{y}.png"},
            "https://tiles.example.org/{z}/{x}/{y}.png",
            None,
        ),
        ({"GEOCODER_URL": "http://addok.internal:7878/search/"}, None, "http://addok.internal:7878/search/"),
    ],
)
def test_settings(monkeypatch, tmp_path, env, tiles, geocoder):
    for name in ("MAP_TILE_URL", "GEOCODER_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = config.from_environment(tmp_path)
    if tiles is not None:
        assert settings["MAP_TILE_URL"] == tiles
    if geocoder is not None:
        assert settings["GEOCODER_URL"] == geocoder
    assert (
        "data.geopf.fr" in config.DEFAULT_TILE_URL
        and "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in config.DEFAULT_TILE_URL
    )


def test_the_tiles_origin_is_in_the_csp(app, client, monkeypatch):
    assert app.config["MAP_TILE_URL"] == ""  # the tests never reach a tile server
    assert "img-src 'self' data:;" in client.get("/").headers["Content-Security-Policy"]
    monkeypatch.setitem(app.config, "MAP_TILE_URL", config.DEFAULT_TILE_URL)
    response = client.get("/circonscriptions/33-04")
    assert "img-src 'self' data: https://data.geopf.fr;" in response.headers["Content-Security-Policy"]
    assert 'data-tile-url="https://data.geopf.fr/wmts?' in response.get_data(as_text=True)
    assert "connect-src 'self'" in response.headers["Content-Security-Policy"]  # the geocoder is asked by the server
