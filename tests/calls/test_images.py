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


def _header_only(fmt: str, size: tuple[int, int]) -> bytes:
    """A real file of that many pixels, small on disk (one colour compresses to almost nothing)."""
    out = io.BytesIO()
    Image.new("L" if fmt == "PNG" else "RGB", size, 0).save(out, fmt, **({"quality": 10} if fmt == "JPEG" else {}))
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "size", "accepted"),
    [
        ("PNG", (6300, 6300), False),  # the 150 KB file that cost 1.5 s and 200 MB
        ("PNG", (4001, 3000), False),
        ("PNG", (12_000_001, 1), False),
        ("PNG", (1, 20_000), True),
        ("PNG", (4000, 3000), True),
        ("JPEG", (6001, 4000), False),
        ("JPEG", (6000, 4000), True),
        ("JPEG", (65_000, 400), False),
    ],
)
def test_pixels_are_bounded_before_decoding(fmt, size, accepted):
    raw = _header_only(fmt, size)
    if accepted:
        clean = images.reencode(raw)
        assert max(Image.open(io.BytesIO(clean.data)).size) <= images.MAX_SIDE
    else:
        with pytest.raises(images.ImageError) as error:
            images.reencode(raw)
        assert str(error.value) == "too_many_pixels"


def test_large_jpegs_are_decoded_scaled_down():
    """Draft mode: the decoder itself halves a 6000x4000 JPEG at least once, so far less memory is touched."""
    probe = Image.open(io.BytesIO(_header_only("JPEG", (6000, 4000))))
    probe.draft("RGB", (images.MAX_SIDE, images.MAX_SIDE))
    assert probe.size[0] <= 3000


def _jpeg_with_everything() -> bytes:
    from PIL import ImageCms

    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGB", (64, 48), "blue").save(
        out, "JPEG", comment=b"SecretComment", exif=exif, icc_profile=icc, dpi=(300, 300)
    )
    return out.getvalue()


def _png_with_everything() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "SecretComment")
    info.add_itxt("Author", "SecretAuthor")
    info.add_text("Software", "SecretSoftware", zip=True)
    out = io.BytesIO()
    Image.new("RGBA", (64, 48), "blue").save(out, "PNG", pnginfo=info, dpi=(300, 300))
    return out.getvalue()


@pytest.mark.parametrize("raw", [_jpeg_with_everything(), _png_with_everything()], ids=["jpeg", "png"])
def test_comments_text_chunks_icc_and_exif_do_not_survive(raw):
    assert b"Secret" in raw or b"x\x9c" in raw
    clean = images.reencode(raw)
    assert b"Secret" not in clean.data
    reopened = Image.open(io.BytesIO(clean.data))
    assert not reopened.getexif()
    leftover = set(reopened.info) - {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}
    assert leftover == set(), reopened.info
    assert "comment" not in reopened.info and "icc_profile" not in reopened.info


@pytest.mark.parametrize(("orientation", "size"), [(1, (60, 40)), (3, (60, 40)), (6, (40, 60)), (8, (40, 60))])
def test_the_exif_orientation_is_applied_then_dropped(orientation, size):
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "red").save(out, "JPEG", exif=exif)
    reopened = Image.open(io.BytesIO(images.reencode(out.getvalue()).data))
    assert reopened.size == size and not reopened.getexif()
