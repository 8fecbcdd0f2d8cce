"""Idea photos redrawn by Pillow before they are kept: only the picture reaches the portal, never what the
citizen's phone wrote beside it (EXIF with the GPS position, the camera and the time, XMP, IPTC, comments, the
colour profile, PNG text chunks).

The photo is decoded in the format the upload checks found (and no other decoder is tried), turned upright by
its EXIF orientation (which is then dropped with the rest), and encoded again in the same format from its pixels
alone. A picture of more than ``PORTAL_IDEA_PHOTO_MAX_PIXELS`` is refused from its header, before it is decoded: a
small file can declare a huge picture (a "decompression bomb") that would take the memory of the server; Pillow's
own bomb check is turned into a refusal too. Wide-gamut photos lose their colour profile, so their colours may look
a little flatter: the price of keeping nothing but pixels.
"""

import hashlib
import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from backend.projects.uploads import JPEG, PNG, WEBP, CheckedUpload

# The Pillow format of each accepted type, the modes it saves as they are, and how it is encoded again.
_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
_SAVED_MODES = {
    "JPEG": {"L", "RGB", "CMYK"},
    "PNG": {"1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"},
    "WEBP": {"RGB", "RGBA"},
}
_SAVE_OPTIONS = {"JPEG": {"quality": 90}, "PNG": {}, "WEBP": {"quality": 90}}
# What a decoder may raise on a damaged or hostile file (truncated data, bad EXIF, oversized text chunks).
_DECODING_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError)


def _unreadable() -> ValidationError:
    return ValidationError({"photo": _("The photo could not be read as an image.")}, code="unreadable")


def _too_many_pixels(limit: int) -> ValidationError:
    return ValidationError(
        {
            "photo": _("The photo has too many pixels: at most %(megapixels)d megapixels.")
            % {"megapixels": limit // 1_000_000}
        },
        code="pixels",
    )


def photo_without_metadata(*, upload: CheckedUpload) -> CheckedUpload:
    """The checked JPEG, PNG or WebP upload as a new file of the same type with its pixels only, upright; raises
    ValidationError({"photo": ...}) for a picture Pillow cannot read or one of too many pixels."""
    format_ = _FORMATS[upload.content_type]
    limit = settings.PORTAL_IDEA_PHOTO_MAX_PIXELS
    upload.file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload.file, formats=[format_]) as image:
                width, height = image.size
                if width * height > limit:
                    raise _too_many_pixels(limit)
                image.load()
                picture = _pixels_only(ImageOps.exif_transpose(image), format_)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(limit) from None
    except _DECODING_ERRORS:
        raise _unreadable() from None
    finally:
        upload.file.seek(0)
    output = io.BytesIO()
    picture.save(output, format=format_, **_SAVE_OPTIONS[format_])
    content = output.getvalue()
    return CheckedUpload(
        file=ContentFile(content, name=upload.name),
        name=upload.name,
        content_type=upload.content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _pixels_only(picture: Image.Image, format_: str) -> Image.Image:
    """A copy with no metadata to carry into the new file: savers fall back to ``info`` for a comment or a colour
    profile, so it keeps only a palette's transparency, which is part of the picture."""
    if picture.mode not in _SAVED_MODES[format_]:
        has_alpha = "A" in picture.getbands() or "transparency" in picture.info
        picture = picture.convert("RGBA" if has_alpha and format_ != "JPEG" else "RGB")
    clean = picture.copy()
    clean.info = {key: value for key, value in picture.info.items() if key == "transparency"}
    return clean
