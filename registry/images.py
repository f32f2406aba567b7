"""Checking and cleaning a photograph sent by a member of the public.

An upload is untrusted bytes with a name that proves nothing. It is accepted only if Pillow,
told to try JPEG, PNG and WebP and nothing else, decodes all of it within a pixel budget;
then it is drawn again into a new file of the same format, so nothing of the original
survives except the pixels: no EXIF (camera, GPS position), no comments, no trailing HTML
of a polyglot. Names are random; the original file name is never kept.

What is kept is an archival copy, not the largest file a camera can make: at most
``REGISTRY_PHOTO_MAX_SIDE`` pixels on its longer side (a JPEG is decoded at a reduced
scale from the start, so a 7000 × 7000 photograph never fills memory at full size), and
never a larger file than the one that came (twenty noise JPEGs once wrote 505 MB for
300 MB sent).
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ["JPEG", "PNG", "WEBP"]
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMBNAIL_SIZE = (480, 480)

# Refuse to decode more pixels than a photograph can have: a decompression bomb is a small
# file that would expand to gigabytes in memory. Pillow warns above MAX_IMAGE_PIXELS and
# refuses above twice that; the warning is made an error below, and the size is checked
# from the header before any pixel is decoded.
Image.MAX_IMAGE_PIXELS = settings.REGISTRY_PHOTO_MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is refused, never half-read


class ImageRejected(ValueError):
    """The upload is not a photograph we accept; ``message`` is for the family."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class CleanImage:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    format: str


def clean_upload(upload) -> CleanImage:
    """Check an uploaded file and return it re-encoded, with a thumbnail."""
    if upload.size > settings.REGISTRY_PHOTO_MAX_BYTES:
        raise ImageRejected(_("This file is larger than 15 MB. Please send a smaller "
                              "scan or photograph."))
    data = upload.read()
    refused = ImageRejected(_("This file is not a photograph we can accept. Please send a "
                              "JPEG, PNG or WebP image."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as probe:
                _check_size(probe.size)
                probe.verify()  # structure and checksums, before decoding
            with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as image:
                _check_size(image.size)
                side = settings.REGISTRY_PHOTO_MAX_SIDE
                if image.format == "JPEG" and max(image.size) > side:
                    # Decoded at 1/2, 1/4 or 1/8 scale, never below three quarters of the
                    # kept size: a 7000 × 7000 photograph takes 37 MB, not 147.
                    image.draft(image.mode, (side * 3 // 4,) * 2)
                if max(image.size) > side:
                    image.thumbnail((side, side), Image.Resampling.LANCZOS)
                image.load()  # every pixel: a truncated file fails here
                fmt = image.format
                pixels = ImageOps.exif_transpose(image)  # keep the photo upright
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_large() from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise refused from error
    if fmt not in ALLOWED_FORMATS:
        raise refused
    pixels = _for_format(pixels, fmt)
    pixels.info = {}  # no EXIF, XMP, ICC or comments travel to the new file
    # A small file may grow a little when drawn again; only a large one is held to its size.
    pixels, image_file = _no_larger_than(pixels, fmt, max(len(data), SMALL_FILE))
    thumb = _for_format(pixels.copy(), "JPEG")
    thumb.thumbnail(THUMBNAIL_SIZE)
    thumb_file = _encode(thumb, "JPEG")
    name = uuid.uuid4().hex
    return CleanImage(
        image=ContentFile(image_file, name=f"{name}.{EXTENSIONS[fmt]}"),
        thumbnail=ContentFile(thumb_file, name=f"{name}-thumb.jpg"),
        width=pixels.width, height=pixels.height, format=fmt,
    )


def pixels_of(upload) -> int:
    """How many pixels the upload says it has, read from its header alone (0 when it has
    no header we read: ``clean_upload`` then says why it is refused)."""
    try:
        with Image.open(upload, formats=ALLOWED_FORMATS) as probe:
            width, height = probe.size
            return width * height
    except Exception:  # noqa: BLE001 - any unreadable header is for clean_upload to explain
        return 0
    finally:
        upload.seek(0)


def _too_large() -> ImageRejected:
    return ImageRejected(_("This image has too many pixels for us to open safely. Please "
                           "send a smaller version."))


def _check_size(size: tuple[int, int]) -> None:
    width, height = size
    if width < 1 or height < 1 or width * height > settings.REGISTRY_PHOTO_MAX_PIXELS:
        raise _too_large()


def _for_format(image: Image.Image, fmt: str) -> Image.Image:
    if fmt == "JPEG":
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            background = Image.new("RGB", image.size, "white")
            background.paste(image, mask=image.getchannel("A"))
            return background
        return image.convert("RGB") if image.mode not in ("RGB", "L") else image
    if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        return image.convert("RGBA")
    return image


SMALL_FILE = 256 * 1024
QUALITIES = (90, 80, 70)  # of a JPEG or WebP, tried in turn to stay within the upload


def _no_larger_than(image: Image.Image, fmt: str, limit: int) -> tuple[Image.Image, bytes]:
    """The image encoded in ``fmt`` in at most ``limit`` bytes: at a lower quality first
    (JPEG, WebP), then smaller, a few times; the last try is kept whatever its size (a
    tiny upload can be smaller than any honest re-encoding of it)."""
    qualities = QUALITIES if fmt in ("JPEG", "WEBP") else (None,)
    for _attempt in range(4):
        for quality in qualities:
            encoded = _encode(image, fmt, quality)
            if len(encoded) <= limit:
                return image, encoded
        scale = max(0.5, 0.95 * (limit / len(encoded)) ** 0.5)
        smaller = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(smaller, Image.Resampling.LANCZOS)
    return image, _encode(image, fmt, qualities[0])


def _encode(image: Image.Image, fmt: str, quality: int | None = 90) -> bytes:
    buffer = io.BytesIO()
    options = {"JPEG": {"quality": quality, "optimize": True}, "PNG": {"optimize": True},
               "WEBP": {"quality": quality}}[fmt]
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()
