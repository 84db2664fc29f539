"""/api/v1 endpoints for openapi (routes added to the shared API blueprint)."""
from __future__ import annotations

from participatory.api.views import bp  # noqa: F401
