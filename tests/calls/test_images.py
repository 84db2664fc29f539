"""Uploaded images are decoded by Pillow whatever their name, capped at 5 MB, and re-encoded without metadata."""

from __future__ import annotations

import html
import io

import pytest
from PIL import Image

from participatory import clock
from participatory.calls import images


def encoded(fmt: str, size=(64, 48), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, fmt, **save)
    return out.getvalue()


def with_exif(fmt: str) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera make
    exif[0x0131] = "SecretSoftware"
    return encoded(fmt, exif=exif)


@pytest.mark.parametrize(("fmt", "extension"), [("JPEG", "jpg"), ("PNG", "png")])
def test_metadata_is_stripped(fmt, extension):
    raw = with_exif(fmt)
    assert b"SecretCam" in raw
    clean = images.reencode(raw)
    assert clean.extension == extension and b"SecretCam" not in clean.data and b"SecretSoftware" not in clean.data
    reopened = Image.open(io.BytesIO(clean.data))
    assert reopened.format == fmt and reopened.size == (64, 48) and not reopened.getexif()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"GIF89a" + b"\x00" * 50, "not_an_image"),
        (encoded("GIF"), "bad_format"),
        (encoded("BMP"), "bad_format"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not_an_image"),
        (b"%PDF-1.4 not an image", "not_an_image"),
        (encoded("PNG")[:40], "not_an_image"),  # truncated
        (b"\x00" * (images.MAX_BYTES + 1), "too_large"),
    ],
)
def test_refused_uploads(raw, code):
    with pytest.raises(images.ImageError) as error:
        images.reencode(raw)
    assert str(error.value) == code


def test_large_images_are_downscaled_and_stored_under_a_random_name(tmp_path):
    clean = images.reencode(encoded("PNG", size=(3000, 1500)))
    assert Image.open(io.BytesIO(clean.data)).size == (2000, 1000)
    name = images.store(tmp_path, clean)
    assert images.valid_name(name) and (tmp_path / name).read_bytes() == clean.data
    assert not images.valid_name("../etc/passwd") and not images.valid_name("x.png")


def test_upload_through_the_form_is_checked_by_content_not_name(app, session, now, uploads):

    from participatory.calls import rules
    from participatory.calls.models import Proposal
    from tests.calls import builders
    from tests.calls.conftest import sign_in

    call = builders.call(session, clock.now(), rules.PROPOSALS, code="ZZ-05")
    resident = builders.user(session, now, "ZZ-05")
    session.commit()
    client = app.test_client()
    sign_in(client, resident)
    response = client.post(
        f"/appels/{call.id}/proposer",
        content_type="multipart/form-data",
        data={
            "title": "T",
            "summary": "S",
            "description": "D",
            "category": "culture",
            "estimated_cost": "100",
            "image": (io.BytesIO(b"<?php echo 1; ?>"), "photo.jpg"),
        },
    )
    assert response.status_code == 400
    assert "Le fichier n'est pas une image lisible." in html.unescape(response.get_data(as_text=True))
    assert session.query(Proposal).count() == 0
    assert not uploads.exists() or not any(uploads.iterdir())
