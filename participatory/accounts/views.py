"""Pages of the accounts domain (blueprint registered by create_app)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("accounts", __name__)
