"""Where uploaded files are kept: UPLOAD_DIR, by default instance/uploads (proposals' images, campaign
accounts' attachments). Shared ground, so that no domain reaches into another's views for it."""

from __future__ import annotations

from pathlib import Path

from flask import current_app


def upload_dir() -> Path:
    return Path(current_app.config.get("UPLOAD_DIR") or Path(current_app.instance_path) / "uploads")
