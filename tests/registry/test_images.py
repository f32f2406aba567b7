"""Photographs from the public: hostile files refused, good ones cleaned of their metadata."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from registry.images import ImageRejected, clean_upload


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def jpeg_bytes(size=(64, 48), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 80, 40)).save(buffer, "JPEG", **save)
    return buffer.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    gps = {1: "N", 2: (43.0, 15.0, 0.0), 3: "E", 4: (76.0, 57.0, 0.0)}
    exif[0x8825] = gps  # GPSInfo
    return exif.tobytes()


def test_gps_exif_is_gone_after_cleaning():
    original = jpeg_bytes(exif=gps_exif())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # it was there
    clean = clean_upload(upload(original))
    stored = Image.open(io.BytesIO(clean.image.read()))
    assert stored.format == "JPEG" and stored.size == (64, 48)
    assert not stored.getexif()
    assert b"Exif" not in clean.image.open().read()
    assert clean.image.name.endswith(".jpg") and "photo" not in clean.image.name
    assert Image.open(io.BytesIO(clean.thumbnail.read())).format == "JPEG"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted(fmt):
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 0, 0, 128)).save(buffer, fmt)
    clean = clean_upload(upload(buffer.getvalue(), name=f"x.{fmt.lower()}"))
    assert clean.format == fmt


HOSTILE = {
    "html renamed .jpg": b"<!doctype html><script>alert(document.cookie)</script>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
    "truncated jpeg": jpeg_bytes((400, 300))[:600],
    "gif": None,  # filled below: a real image in a format we do not take
}


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (10, 10)).save(buffer, "GIF")
    return buffer.getvalue()


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_refused_politely(name):
    data = HOSTILE[name] if HOSTILE[name] is not None else _gif()
    with pytest.raises(ImageRejected) as refused:
        clean_upload(upload(data))
    assert "JPEG, PNG or WebP" in str(refused.value)


def test_a_decompression_bomb_is_refused_before_decoding():
    # A PNG of 20000 x 20000 pixels of one colour: a few hundred kilobytes on disk,
    # 1.2 GB once decoded.
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG", optimize=True)
    assert len(buffer.getvalue()) < 2_000_000
    with pytest.raises(ImageRejected, match="too many pixels"):
        clean_upload(upload(buffer.getvalue(), name="bomb.png"))


def test_a_polyglot_keeps_only_its_pixels():
    # A valid JPEG carrying HTML in a comment and after its end: a browser sniffing it
    # could run the script; the stored file must hold none of it.
    payload = b"<html><script>alert('x')</script></html>"
    data = jpeg_bytes(comment=payload) + payload
    clean = clean_upload(upload(data))
    stored = clean.image.read()
    assert b"<script" not in stored and b"<html" not in stored


def test_files_over_15_mb_are_refused(settings):
    settings.REGISTRY_PHOTO_MAX_BYTES = 1000
    with pytest.raises(ImageRejected, match="15 MB"):
        clean_upload(upload(jpeg_bytes((200, 200))))


@pytest.mark.django_db
def test_a_moderators_upload_is_checked_and_cleaned_like_a_familys():
    from registry.admin import CheckedPhotoForm
    from tests.factories import PublishedPersonFactory

    person = PublishedPersonFactory()
    data = {"person": person.pk, "caption": "1936", "position": 0, "status": "pending"}
    svg = upload(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
                 name="photo.jpg")
    refused = CheckedPhotoForm(data, {"image": svg})
    assert not refused.is_valid() and "image" in refused.errors

    form = CheckedPhotoForm(data, {"image": upload(jpeg_bytes(exif=gps_exif()))})
    assert form.is_valid(), form.errors
    photo = form.save()

    with Image.open(photo.image.open("rb")) as stored:
        assert not stored.getexif()
    assert photo.thumbnail
