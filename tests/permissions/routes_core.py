"""Public routes of the foundation: map, constituency pages, language, vendor assets, API."""

from tests.permissions.framework import Case, everyone

CASES = [
    Case("constituencies.home", "GET", "/", everyone(200)),
    Case("constituencies.detail", "GET", "/circonscriptions/33-04", everyone(200)),
    Case("i18n.choose_language", "GET", "/lang/en", everyone(302)),
    Case("vendor.asset", "GET", "/vendor/leaflet/dist/leaflet.css", everyone(200)),
    Case("api.constituencies", "GET", "/api/v1/constituencies", everyone(200)),
    Case("api.constituency", "GET", "/api/v1/constituencies/33-04", everyone(200)),
    Case("api.constituencies_geojson", "GET", "/api/v1/constituencies.geojson", everyone(200)),
    Case("api.lookup", "GET", "/api/v1/constituencies/lookup?lat=44.84&lon=-0.58", everyone(200)),
    Case("api.constituencies_search", "GET", "/api/v1/constituencies/search?q=gironde+4", everyone(200)),
    Case("api.constituency_geojson", "GET", "/api/v1/constituencies/33-04.geojson", everyone(200)),
    # No geocoder in the tests' configuration: address search answers 404 (tests/constituencies/test_geocoding.py).
    Case("api.geocode", "GET", "/api/v1/geocode?q=rue+de+la+paix", everyone(404)),
]
