"""Pages of the crowdfunding domain (blueprint registered by create_app)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("crowdfunding", __name__)
