"""Proposal images: decoded with Pillow (the type is what the bytes are, not the file name),
at most 5 MB, re-encoded so no metadata (EXIF, GPS, comments) from the original leaks."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_SIDE = 2000  # stored images are downscaled to this
FORMATS = {"JPEG": "jpg", "PNG": "png"}
NAME_LENGTH = 32


class ImageError(ValueError):
    """Why an upload is refused: 'too_large', 'not_an_image' or 'bad_format'."""


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    extension: str  # "jpg" or "png"


def reencode(raw: bytes) -> CleanImage:
    if len(raw) > MAX_BYTES:
        raise ImageError("too_large")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            kind = probe.format
            if kind not in FORMATS:
                raise ImageError("bad_format")
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageError("too_large")
            probe.load()
            image = ImageOps.exif_transpose(probe)  # keep the orientation the EXIF tag asked for, drop the tag
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError("not_an_image") from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if kind == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        mode = "RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"
        image.convert(mode).save(out, "PNG", optimize=True)  # a new file: no text chunks, no EXIF
    return CleanImage(out.getvalue(), FORMATS[kind])


def store(folder: Path, image: CleanImage) -> str:
    """Write the image under a random name; return the name (the only thing stored in the database)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(NAME_LENGTH // 2)}.{image.extension}"
    (folder / name).write_bytes(image.data)
    return name


def valid_name(name: str) -> bool:
    stem, _, ext = name.partition(".")
    return ext in FORMATS.values() and len(stem) == NAME_LENGTH and all(c in "0123456789abcdef" for c in stem)
