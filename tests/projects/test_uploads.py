"""The upload corpus: every file is accepted with its detected type or refused with a clear reason, and a refused
file leaves nothing behind (no row, no file on disk). Names are neutralised, Czech letters kept."""

import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from backend.projects.models import Attachment
from backend.projects.uploads import MAX_NAME_LENGTH, SNIFF_WINDOW, check_upload, sanitise_filename
from tests.factories.attachments import (
    CSV_CP1250,
    ELF_EXECUTABLE,
    GIF,
    HTML,
    JPEG,
    ODS,
    ODT,
    PDF,
    PE_EXECUTABLE,
    SVG_WITH_SCRIPT,
    TEXT,
    WEBP,
    XHTML,
    attach,
    odf,
    ooxml,
    plain_zip,
    png,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db

LIMIT = 4096


@pytest.fixture(autouse=True)
def attachments_root(settings, tmp_path):
    settings.ATTACHMENTS_ROOT = tmp_path / "attachments"
    settings.ATTACHMENT_MAX_BYTES = LIMIT
    return settings.ATTACHMENTS_ROOT


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- accepted: each type of the allow-list, detected by content ------------------------------------------------

ACCEPTED = [
    # name, content, detected type
    ("zápis.pdf", PDF, "application/pdf"),
    ("mapa.png", png(), "image/png"),
    ("foto.jpg", JPEG, "image/jpeg"),
    ("foto.JPEG", JPEG, "image/jpeg"),
    ("animace.gif", GIF, "image/gif"),
    ("obrázek.webp", WEBP, "image/webp"),
    ("poznámky.txt", TEXT, "text/plain"),
    ("úspory.csv", CSV_CP1250, "text/csv"),
    ("smlouva.docx", ooxml("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("rozpočet.xlsx", ooxml("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (
        "prezentace.pptx",
        ooxml("pptx"),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("zpráva.odt", odf(ODT), ODT),
    ("tabulka.ods", odf(ODS), ODS),
    # HTML-looking bytes after the part of the file browsers sniff: served as a PDF download, never rendered.
    ("příloha.pdf", PDF + b"%" + b"x" * SNIFF_WINDOW + b"\n<html><script>alert(1)</script>", "application/pdf"),
]


@pytest.mark.parametrize(("name", "content", "detected"), ACCEPTED, ids=[case[0] for case in ACCEPTED])
def test_accepted_types_are_stored_under_a_random_name_with_what_was_detected(town, name, content, detected):
    project = town.project()
    attachment = attach(project, town.user("manager"), name=name, content=content)

    attachment.refresh_from_db()
    assert attachment.original_name == name
    assert attachment.content_type == detected
    assert attachment.size == len(content)
    assert re.fullmatch(rf"project-{project.pk}/[0-9a-f]{{32}}", attachment.file.name)
    with attachment.file.open("rb") as handle:
        assert handle.read() == content


# --- refused: wrong type with a permitted extension, markup, archives, size -----------------------------------

REFUSED = [
    # name, content, what the message says
    ("stránka.pdf", HTML, "web page or script code"),
    ("obrázek.png", PE_EXECUTABLE, "not accepted"),
    ("obrázek.png", ELF_EXECUTABLE, "not accepted"),
    ("smlouva.docx", plain_zip(), "Archives are not accepted"),
    ("smlouva.docx", ooxml("docm"), "Archives are not accepted"),  # macro-enabled: not an allowed main part
    ("smlouva.docx", ooxml("docx", extra={"word/vbaProject.bin": b"macro"}), "Archives are not accepted"),
    ("archiv.zip", plain_zip(), "Archives are not accepted"),
    ("logo.png", SVG_WITH_SCRIPT, "web page or script code"),
    ("stránka.html", HTML, "web page or script code"),
    ("logo.svg", SVG_WITH_SCRIPT, "web page or script code"),
    ("stránka.xhtml", XHTML, "web page or script code"),
    ("poznámky.txt", b"Dobry den,\n<a href='http://zly.example'>klikni</a>\n", "web page or script code"),
    # A polyglot: a PDF header, then an HTML page inside the part browsers sniff.
    ("polyglot.pdf", PDF[:9] + b"<html><body><script>alert(1)</script>", "web page or script code"),
    # The content decides, the extension must agree with it.
    ("zápis.txt", PDF, "content is PDF, but its name ends in “.txt”"),
    ("mapa.jpg", png(), "content is PNG, but its name ends in “.jpg”"),
    ("poznámky.pdf", TEXT, "content is TXT, but its name ends in “.pdf”"),
    ("bez přípony", PDF, "(no extension)"),
    ("binární.txt", b"abc\x00\x01\x02def", "not accepted"),
    ("prázdný.pdf", b"", "empty"),
    ("příliš velký.pdf", PDF + b"%" * (LIMIT + 1 - len(PDF)), "larger than the limit of 4.0\xa0KB"),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED, ids=[f"{c[0]}-{i}" for i, c in enumerate(REFUSED)])
def test_refused_uploads_say_why_and_leave_nothing_behind(town, attachments_root, name, content, message):
    with pytest.raises(ValidationError) as refused:
        attach(town.project(), town.user("manager"), name=name, content=content)

    assert message in " ".join(refused.value.message_dict["file"])
    assert Attachment.objects.count() == 0
    assert stored_files(attachments_root) == []


# --- size --------------------------------------------------------------------------------------------------------


def test_a_file_of_exactly_the_limit_is_accepted_and_one_byte_more_is_refused(town, attachments_root):
    project, manager = town.project(), town.user("manager")
    exactly = PDF + b"%" * (LIMIT - len(PDF))

    assert attach(project, manager, name="limit.pdf", content=exactly).size == LIMIT
    with pytest.raises(ValidationError, match="larger than the limit"):
        attach(project, manager, name="limit+1.pdf", content=exactly + b"%")
    assert Attachment.objects.count() == 1
    assert len(stored_files(attachments_root)) == 1


class _LyingUpload(io.BytesIO):
    """A file that declares a small size but holds more: reading must stop at the limit anyway."""

    name = "lže.pdf"
    size = 10


def test_the_limit_holds_while_reading_whatever_size_the_file_declares():
    with pytest.raises(ValidationError, match="larger than the limit"):
        check_upload(_LyingUpload(PDF + b"%" * LIMIT))


def test_the_declared_size_is_refused_before_anything_is_read():
    class Unreadable(io.BytesIO):
        name = "velký.pdf"
        size = LIMIT + 1

        def read(self, *args):
            raise AssertionError("read although the declared size is over the limit")

    with pytest.raises(ValidationError, match="larger than the limit"):
        check_upload(Unreadable())


def test_the_default_limit_is_20_megabytes():
    from backend import settings as configured  # as read from the environment, before this module's override

    assert configured.ATTACHMENT_MAX_BYTES == 20 * 1024 * 1024


# --- text is checked from start to end ------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [70_000, 65_536 - 3], ids=["second-chunk", "across-the-chunk-boundary"])
def test_markup_anywhere_in_a_text_file_is_refused(settings, offset):
    settings.ATTACHMENT_MAX_BYTES = 200_000
    content = b"a" * offset + b"<script>alert(1)</script>\n"
    with pytest.raises(ValidationError, match="web page or script code"):
        check_upload(upload("dlouhý.txt", content))


def test_a_long_plain_text_is_accepted_with_its_digest(settings):
    settings.ATTACHMENT_MAX_BYTES = 200_000
    content = TEXT * 2000
    checked = check_upload(upload("dlouhý.txt", content))

    assert (checked.content_type, checked.size) == ("text/plain", len(content))
    import hashlib

    assert checked.sha256 == hashlib.sha256(content).hexdigest()


def test_the_browsers_declared_type_is_never_trusted():
    with pytest.raises(ValidationError):
        check_upload(upload("stránka.pdf", HTML, content_type="application/pdf"))


# --- names ------------------------------------------------------------------------------------------------------

NAMES = [
    # given, shown and sent in Content-Disposition
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\boot.ini", "boot.ini"),
    ("/abs/x.pdf", "x.pdf"),
    ("C:\\Users\\starosta\\zápis.pdf", "zápis.pdf"),
    ("zá\x00pis.pdf", "zápis.pdf"),
    ("zá\x07\x1b[31mpis\r\n.pdf", "zá[31mpis.pdf"),
    ("faktura\u202efdp.exe", "fakturafdp.exe"),
    ("CON.pdf", "_CON.pdf"),
    ("lpt1.txt", "_lpt1.txt"),
    ("nul", "_nul"),
    ("..", "attachment"),
    ("...pdf", "attachment.pdf"),
    (".pdf", "attachment.pdf"),
    ("", "attachment"),
    ("   .skryté.pdf  ", "skryté.pdf"),
    ('a<b>c:"d"|e?f*.pdf', "a_b_c__d__e_f_.pdf"),
    ("Zápis z jednání – Město Vzorov (2026).pdf", "Zápis z jednání – Město Vzorov (2026).pdf"),
    ("Žluťoučký kůň úpěl ďábelské ódy.docx", "Žluťoučký kůň úpěl ďábelské ódy.docx"),
]


@pytest.mark.parametrize(("given", "shown"), NAMES, ids=[repr(given)[:40] for given, _ in NAMES])
def test_names_are_neutralised_and_czech_letters_kept(given, shown):
    assert sanitise_filename(given) == shown


def test_overlong_names_are_cut_keeping_the_extension():
    name = sanitise_filename("ř" * 300 + ".pdf")

    assert len(name) == MAX_NAME_LENGTH
    assert name.endswith("ř.pdf")


@pytest.mark.parametrize(
    "given",
    [
        "../../etc/passwd.pdf",
        "..\\..\\zápis.pdf",
        "/abs/x.pdf",
        "zá\x00pis.pdf",
        "\x01\x02.pdf",
        "x" * 300 + ".pdf",
        "CON.pdf",
    ],
    ids=["unix-traversal", "windows-traversal", "absolute", "nul", "control", "300-characters", "reserved"],
)
def test_the_stored_file_never_carries_the_given_name(town, attachments_root, given):
    attachment = attach(town.project(), town.user("manager"), name=given, content=PDF)

    (stored,) = stored_files(attachments_root)
    assert stored.parent.parent == attachments_root
    assert re.fullmatch(r"[0-9a-f]{32}", stored.name)
    assert attachment.original_name == sanitise_filename(given)
    assert "/" not in attachment.original_name and "\\" not in attachment.original_name


# --- zip bombs: office documents whose parts unpack to far more than they weigh ---------------------------------

MEGABYTE = 1024 * 1024


def _docx_with(part: str, *, megabytes: int, data: bytes = b"\0" * MEGABYTE, stored: bool = False) -> bytes:
    """A real DOCX whose ``part`` is ``megabytes`` of ``data``, streamed into the archive (never held whole)."""
    buffer = io.BytesIO(ooxml("docx"))
    compression = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "a", compression) as archive, archive.open(part, "w", force_zip64=True) as member:
        for _ in range(megabytes):
            member.write(data)
    return buffer.getvalue()


def test_a_docx_zip_bomb_is_refused_before_anyone_unpacks_it(town, attachments_root, settings):
    settings.ATTACHMENT_MAX_BYTES = 20 * MEGABYTE
    bomb = _docx_with("word/media/padding.xml", megabytes=200)
    assert len(bomb) < 400 * 1024  # some 200 KB that unpack to 200 MB
    with pytest.raises(ValidationError, match="zip bomb"):
        attach(town.project(), town.user("manager"), name="smlouva.docx", content=bomb)
    assert not Attachment.objects.exists()
    assert stored_files(attachments_root) == []


def test_a_small_document_that_packs_a_thousandfold_is_refused_by_its_ratio(settings):
    settings.ATTACHMENT_MAX_BYTES = 20 * MEGABYTE
    assert settings.ATTACHMENT_MAX_UNPACKED_BYTES >= 100 * MEGABYTE  # well under the total bound
    with pytest.raises(ValidationError, match="zip bomb"):
        check_upload(upload("zápis.docx", _docx_with("word/document2.xml", megabytes=5)))


def test_a_document_that_unpacks_to_more_than_the_total_bound_is_refused(settings):
    settings.ATTACHMENT_MAX_BYTES = 20 * MEGABYTE
    settings.ATTACHMENT_MAX_UNPACKED_BYTES = 2 * MEGABYTE
    photo = bytes(range(256)) * (MEGABYTE // 256)
    with pytest.raises(ValidationError, match="zip bomb"):
        check_upload(upload("fotky.docx", _docx_with("word/media/image1.png", megabytes=3, data=photo, stored=True)))


def test_a_document_with_photos_that_hardly_pack_is_accepted(settings):
    settings.ATTACHMENT_MAX_BYTES = 20 * MEGABYTE
    photo = bytes(range(256)) * (MEGABYTE // 256)
    checked = check_upload(
        upload("fotky.docx", _docx_with("word/media/image1.png", megabytes=3, data=photo, stored=True))
    )
    assert checked.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
