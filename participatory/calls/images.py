"""Proposal images: decoded with Pillow (the type is what the bytes are, not the file name),
at most 5 MB, re-encoded so no metadata (EXIF, GPS, comments, ICC, text chunks) leaks.

Decoding is bounded before it starts. The header gives the size without decoding; a file
is refused when it has more pixels than a photo needs. A stored image is at most 2000 px a
side, so a JPEG is decoded in draft mode (the decoder's own 1/2, 1/4 or 1/8 scaling) no
larger than needed: a 24 MP photo costs about 18 MB. PNG has no such mode and decodes in
full (4 bytes a pixel): 12 MP, 48 MB at most. A 6300x6300 PNG (40 MP, 150 KB on disk)
took 1.5 s and 200 MB to re-encode before; it is now refused after reading its header.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 24_000_000  # JPEG: 6000x4000, any phone or camera photo (decoded scaled down)
MAX_PNG_PIXELS = 12_000_000  # PNG decodes in full: 4000x3000, 48 MB at most
# Pillow's own guard (a warning above, an error at twice) for any other Image.open in the process.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
MAX_SIDE = 2000  # stored images are downscaled to this
FORMATS = {"JPEG": "jpg", "PNG": "png"}
NAME_LENGTH = 32


class ImageError(ValueError):
    """Why an upload is refused: 'too_large', 'too_many_pixels', 'not_an_image' or 'bad_format'."""


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    extension: str  # "jpg" or "png"


def reencode(raw: bytes) -> CleanImage:
    if len(raw) > MAX_BYTES:
        raise ImageError("too_large")
    try:
        with Image.open(io.BytesIO(raw)) as probe:  # reads the header only
            kind = probe.format
            if kind not in FORMATS:
                raise ImageError("bad_format")
            limit = MAX_PIXELS if kind == "JPEG" else MAX_PNG_PIXELS
            if probe.width * probe.height > limit:
                raise ImageError("too_many_pixels")
            if kind == "JPEG":
                probe.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at the smallest scale still >= MAX_SIDE
            probe.load()
            orientation = probe.getexif().get(0x0112, 1)
            probe.thumbnail((MAX_SIDE, MAX_SIDE))  # in place: no second full-size copy
            image = probe.copy() if probe.mode in ("RGB", "RGBA", "L", "LA", "P") else probe.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, ImageError):
            raise
        raise ImageError("not_an_image") from None
    if orientation in _TRANSPOSE:
        image = image.transpose(_TRANSPOSE[orientation])  # keep the orientation the EXIF tag asked for
    mode = "RGB" if kind == "JPEG" else ("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    # A new image: only pixels. Pillow would otherwise write info["comment"], ICC profiles, text chunks.
    clean = Image.new(mode, image.size)
    clean.paste(image.convert(mode))
    out = io.BytesIO()
    if kind == "JPEG":
        clean.save(out, "JPEG", quality=85, optimize=True)
    else:
        clean.save(out, "PNG", optimize=True)
    return CleanImage(out.getvalue(), FORMATS[kind])


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def store(folder: Path, image: CleanImage) -> str:
    """Write the image under a random name; return the name (the only thing stored in the database)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(NAME_LENGTH // 2)}.{image.extension}"
    (folder / name).write_bytes(image.data)
    return name


def valid_name(name: str) -> bool:
    stem, _, ext = name.partition(".")
    return ext in FORMATS.values() and len(stem) == NAME_LENGTH and all(c in "0123456789abcdef" for c in stem)
