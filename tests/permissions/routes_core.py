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
]
