"""Pages of the calls domain (blueprint registered by create_app)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calls", __name__)
