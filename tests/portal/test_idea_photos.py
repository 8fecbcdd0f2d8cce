"""An idea's photo is kept as its pixels only: no GPS position or other metadata reaches the portal, the picture is
upright, and a file Pillow cannot read or a decompression bomb is refused in Czech with nothing saved."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from backend.portal.models import Idea, IdeaStatus

pytestmark = pytest.mark.django_db

MARKER = b"LEAK"
FORMATS = {"foto.jpg": "JPEG", "foto.png": "PNG", "foto.webp": "WEBP"}


def _exif_with_gps(orientation: int = 1) -> Image.Exif:
    """What a phone writes: its model, the time, the orientation and where the photo was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "LEAK-make"
    exif[ExifTags.Base.Model] = "LEAK-model"
    exif[ExifTags.Base.DateTime] = "2026:05:01 07:42:00"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (49.0, 23.0, 48.12)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (15.0, 35.0, 16.44)
    return exif


def _photo(format_: str, *, size=(40, 20), orientation: int = 1) -> bytes:
    """A picture whose left half is red and right half blue, with GPS EXIF (and, in a JPEG, XMP and a comment)."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    extra = {}
    if format_ == "JPEG":
        extra = {"comment": b"LEAK-comment", "xmp": b'<x:xmpmeta xmlns:x="adobe:ns:meta/">LEAK-xmp</x:xmpmeta>'}
    output = io.BytesIO()
    image.save(output, format_, exif=_exif_with_gps(orientation), **extra)
    data = output.getvalue()
    assert MARKER in data and _opened(data).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test's premise
    return data


def _opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def _submit(client, photo: SimpleUploadedFile):
    return client.post(
        reverse("portal:idea_new", args=["vzorov"]),
        {
            "title": "Lavička u rybníka",
            "description": "Chybí tam místo k sezení.",
            "thematic_area": "environment",
            "place": "Rybník Návesník",
            "name": "Jana Občanová",
            "email": "jana@example.org",
            "consent": "on",
            "website": "",
            "photo": photo,
        },
    )


def _served_photo(client, idea: Idea) -> bytes:
    Idea.objects.filter(pk=idea.pk).update(status=IdeaStatus.PUBLISHED)
    response = client.get(reverse("portal:idea_photo", args=["vzorov", idea.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_the_stored_and_served_photo_carries_no_gps_nor_other_metadata(client, portal, settings, tmp_path, name):
    settings.ATTACHMENTS_ROOT = tmp_path
    assert _submit(client, SimpleUploadedFile(name, _photo(FORMATS[name]))).status_code == 302
    idea = Idea.objects.get()
    stored = (tmp_path / idea.photo.name).read_bytes()
    served = _served_photo(client, idea)
    assert served == stored
    photo = _opened(served)
    assert photo.format == FORMATS[name] and photo.size == (40, 20)
    assert dict(photo.getexif()) == {}
    assert not photo.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(photo.info)
    assert MARKER not in served and b"Exif\x00\x00" not in served
    assert photo.convert("RGB").getpixel((5, 10))[0] > 150  # the picture itself is kept: red on the left


def test_the_photo_is_turned_upright_by_its_orientation_before_the_orientation_goes(client, portal, settings, tmp_path):
    settings.ATTACHMENTS_ROOT = tmp_path
    # Orientation 6: the camera was turned, the viewer rotates the stored 40×20 picture 90° clockwise.
    photo = _photo("JPEG", orientation=6)
    assert _submit(client, SimpleUploadedFile("foto.jpg", photo)).status_code == 302
    upright = _opened(_served_photo(client, Idea.objects.get()))
    assert upright.size == (20, 40)
    assert ExifTags.Base.Orientation not in upright.getexif()
    top, bottom = upright.convert("RGB").getpixel((10, 5)), upright.convert("RGB").getpixel((10, 35))
    assert top[0] > 150 and bottom[2] > 150  # the red left half is now on top


@pytest.mark.parametrize(
    ("name", "content"),
    [
        # Signatures the upload checks accept, with nothing Pillow can decode behind them.
        ("foto.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200),
        ("foto.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200),
        ("foto.webp", b"RIFF\x00\x01\x00\x00WEBPVP8 " + b"\x00" * 200),
    ],
)
def test_a_photo_pillow_cannot_read_is_refused_in_czech_and_nothing_is_saved(
    client, portal, settings, tmp_path, name, content
):
    settings.ATTACHMENTS_ROOT = tmp_path
    response = _submit(client, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert "Fotografii se nepodařilo přečíst jako obrázek." in response.content.decode()
    assert not Idea.objects.exists()
    assert not any(path.is_file() for path in tmp_path.rglob("*"))


def test_a_truncated_photo_is_refused(client, portal, settings, tmp_path):
    settings.ATTACHMENTS_ROOT = tmp_path
    photo = _photo("JPEG", size=(400, 300))
    response = _submit(client, SimpleUploadedFile("foto.jpg", photo[: len(photo) // 2]))
    assert response.status_code == 400
    assert "Fotografii se nepodařilo přečíst jako obrázek." in response.content.decode()
    assert not Idea.objects.exists()


def _bomb() -> bytes:
    """8,000 × 8,000 pixels (64 megapixels) in an 8 kB PNG: decoded, about 200 MB of memory as RGB."""
    output = io.BytesIO()
    Image.new("1", (8000, 8000)).save(output, "PNG")
    return output.getvalue()


def test_a_decompression_bomb_is_refused_from_its_header_in_czech(client, portal, settings, tmp_path):
    settings.ATTACHMENTS_ROOT = tmp_path
    bomb = _bomb()
    assert len(bomb) < 20_000
    response = _submit(client, SimpleUploadedFile("foto.png", bomb))
    assert response.status_code == 400
    assert "Fotografie má příliš mnoho pixelů: nejvýše 40 megapixelů." in response.content.decode()
    assert not Idea.objects.exists()
    assert not any(path.is_file() for path in tmp_path.rglob("*"))


def test_pillows_own_bomb_check_refuses_too_where_our_limit_is_set_higher(
    client, portal, settings, tmp_path, monkeypatch
):
    settings.ATTACHMENTS_ROOT = tmp_path
    settings.PORTAL_IDEA_PHOTO_MAX_PIXELS = 100_000_000
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000_000)
    response = _submit(client, SimpleUploadedFile("foto.png", _bomb()))
    assert response.status_code == 400
    assert "Fotografie má příliš mnoho pixelů" in response.content.decode()
    assert not Idea.objects.exists()
