"""What an uploaded attachment may be, judged by its content, and where accepted files are kept.

The allow-list is short (settings.ATTACHMENT_ALLOWED_TYPES): PDF, PNG, JPEG, GIF, WebP, plain text, CSV and
the office formats DOCX/XLSX/PPTX (OOXML) and ODT/ODS (OpenDocument). We sniff these ourselves, with the
standard library, rather than with a detection library because:

- a detector answers "what is this most likely?" for hundreds of types; we need "is this exactly one of
  nine types, and nothing else hiding in it?", which is a few fixed signatures plus structural checks no
  detector makes: the office formats are zip files and must be told apart from any other zip by their
  ``[Content_Types].xml`` main part or their ``mimetype`` member, macro-enabled variants refused;
  text must decode and must not be HTML/SVG/XML in disguise;
- python-magic needs libmagic, which the slim Docker image lacks; ``filetype`` has had no release since
  2022 and recognises OOXML by a byte pattern only; ``puremagic`` would still leave the zip and text
  checks to us and would be one more dependency for a dozen lines of signatures.

Browsers that sniff look at the first 1445 bytes (the WHATWG "resource header"); no accepted file may carry
HTML or script markup there (a PDF/HTML polyglot is refused), and a text file nowhere. Downloads are served
as attachments with ``nosniff`` and a sandboxing CSP besides (backend.web.views.attachments).
"""

import codecs
import hashlib
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
TEXT = "text/plain"
CSV = "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

# Every type this module can recognise, with the extensions a file of that type may carry and its name for people.
KNOWN_TYPES: dict[str, tuple[frozenset[str], str]] = {
    PDF: (frozenset({".pdf"}), "PDF"),
    PNG: (frozenset({".png"}), "PNG"),
    JPEG: (frozenset({".jpg", ".jpeg"}), "JPEG"),
    GIF: (frozenset({".gif"}), "GIF"),
    WEBP: (frozenset({".webp"}), "WebP"),
    TEXT: (frozenset({".txt"}), "TXT"),
    CSV: (frozenset({".csv"}), "CSV"),
    DOCX: (frozenset({".docx"}), "DOCX"),
    XLSX: (frozenset({".xlsx"}), "XLSX"),
    PPTX: (frozenset({".pptx"}), "PPTX"),
    ODT: (frozenset({".odt"}), "ODT"),
    ODS: (frozenset({".ods"}), "ODS"),
}
DEFAULT_ALLOWED_TYPES = tuple(KNOWN_TYPES)

# OOXML: the content type of the package's main part names the document kind.
_OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
_OOXML_CONTENT_TYPE = re.compile(rb'ContentType\s*=\s*["\']([^"\']+)["\']')
_ODF_TYPES = {ODT, ODS}
_CONTENT_TYPES_LIMIT = 1024 * 1024  # bytes of [Content_Types].xml read at most (a real one has a few kB)

# What browsers read when they guess a type, and what must never be in it.
SNIFF_WINDOW = 1445
# The HTML patterns of the WHATWG sniffing algorithm, and SVG, MathML and the other tags that run or load code.
_TAGS = (
    "html|head|body|script|iframe|frame|frameset|object|embed|applet|svg|math|meta|link|style|title|base|form"
    "|img|video|audio|h1|div|font|table|a|b|br|p"
)
# In the head of a binary file only tags of three letters or more: compressed image data would match "<p " or
# "<b>" by chance in a few files out of a thousand, "<script" or "<svg/" practically never.
_BINARY_TAGS = "html|head|body|script|iframe|frameset|object|embed|applet|svg|math|meta|link|style|base|form|img"
_MARKUP = re.compile(rf"(?:<!doctype\s+html|<(?:{_BINARY_TAGS})[\s/>])".encode(), re.IGNORECASE)
# Text files are refused for XML too (a browser would render it, XSLT and all, if it ever sniffed).
_TEXT_MARKUP = re.compile(rf"(?:<\?xml|<!doctype|<!--|<(?:{_TAGS})[\s/>])".encode(), re.IGNORECASE)
# Text may use the C0 controls of ordinary text only: tab, line feed, form feed, carriage return.
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CHUNK = 64 * 1024
_MARKUP_OVERLAP = 64  # bytes kept between chunks, so that markup split by a chunk boundary is still found

# File names: Windows' reserved device names, characters no file system takes, and our length limit.
_RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
)
_FORBIDDEN_CHARACTERS = re.compile(r'[<>:"/\\|?*]')
MAX_NAME_LENGTH = 150
FALLBACK_NAME = "attachment"


def allowed_types() -> list[str]:
    """The accepted content types, in the order of the settings; unknown entries are ignored."""
    return [content_type for content_type in settings.ATTACHMENT_ALLOWED_TYPES if content_type in KNOWN_TYPES]


def allowed_extensions() -> list[str]:
    """Extensions of the accepted types, for the file input's ``accept`` attribute and messages."""
    return sorted({extension for content_type in allowed_types() for extension in KNOWN_TYPES[content_type][0]})


def type_label(content_type: str) -> str:
    return KNOWN_TYPES[content_type][1] if content_type in KNOWN_TYPES else content_type


# --- names -----------------------------------------------------------------------------------------------------


def sanitise_filename(name: str | None) -> str:
    """A safe display name: the last path segment, no control or bidi characters, no reserved or overlong name.

    Czech (any) letters stay. The name is only ever shown and sent in Content-Disposition; files are stored
    under random names.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    # Path traversal: keep the last segment of either kind of path ("../../x.pdf", "..\\..\\x.ini", "/abs/x.pdf").
    name = re.split(r"[/\\]", name)[-1]
    # NUL, control characters, and the format characters that reorder text ("invoice\u202efdp.exe").
    name = "".join(char for char in name if unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Zl", "Zp"})
    name = _FORBIDDEN_CHARACTERS.sub("_", name)
    name = " ".join(name.split())
    if re.fullmatch(r"\.+\w+", name):  # an extension alone (".pdf"): give it a name
        name = f"{FALLBACK_NAME}.{name.lstrip('.')}"
    # Leading dots make hidden files (and "..", "."); trailing dots and spaces are dropped by Windows.
    name = name.strip(" .")
    stem, extension = os.path.splitext(name)
    if len(extension) > 16 or not re.fullmatch(r"(\.[\w]+)?", extension):
        stem, extension = name, ""
    if stem.split(".")[0].lower() in _RESERVED_NAMES:
        stem = f"_{stem}"
    stem = stem[: MAX_NAME_LENGTH - len(extension)].rstrip(" .")
    if not stem:
        stem = FALLBACK_NAME
    return f"{stem}{extension}"


def extension_of(name: str) -> str:
    return os.path.splitext(name)[1].lower()


# --- content ---------------------------------------------------------------------------------------------------


def _chunks(file: IO[bytes], limit: int) -> Iterator[bytes]:
    """The file's bytes from its start, refusing more than ``limit`` whatever its declared size said."""
    file.seek(0)
    read = 0
    while chunk := file.read(_CHUNK):
        read += len(chunk)
        if read > limit:
            raise _too_large(limit)
        yield chunk


def _too_large(limit: int) -> ValidationError:
    return ValidationError(
        {"file": _("The file is larger than the limit of %(limit)s.") % {"limit": filesizeformat(limit)}},
        code="too_large",
    )


def _signature_type(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    return None


def _zip_type(file: IO[bytes]) -> str | None:
    """DOCX/XLSX/PPTX or ODT/ODS by their structure; any other zip (or a broken one) is None."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            _check_unpacked_size(members)
            names = {member.filename for member in members}
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None  # macros
            if members and members[0].filename == "mimetype" and members[0].compress_type == zipfile.ZIP_STORED:
                with archive.open(members[0]) as member:
                    declared = member.read(100).decode("ascii", "replace").strip()
                return declared if declared in _ODF_TYPES else None
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as member:
                    content_types = member.read(_CONTENT_TYPES_LIMIT)
                found = {match.decode("ascii", "replace") for match in _OOXML_CONTENT_TYPE.findall(content_types)}
                kinds = {_OOXML_MAIN_PARTS[found_type] for found_type in found if found_type in _OOXML_MAIN_PARTS}
                return kinds.pop() if len(kinds) == 1 else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError, ValueError):
        return None
    return None


def _check_unpacked_size(members: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip bomb before anyone unpacks it: an office document whose parts together unpack to more
    than settings.ATTACHMENT_MAX_UNPACKED_BYTES, or that unpacks to more than
    settings.ATTACHMENT_MAX_COMPRESSION_RATIO times its packed size (real documents stay far below both:
    their XML packs some tens of times, their images hardly at all). The sizes are those the archive
    declares, which are also all that zipfile will ever unpack of each member."""
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    limit = settings.ATTACHMENT_MAX_UNPACKED_BYTES
    ratio = settings.ATTACHMENT_MAX_COMPRESSION_RATIO
    if unpacked > limit or (unpacked > _RATIO_FLOOR and unpacked > ratio * max(packed, 1)):
        raise ValidationError(
            {
                "file": _(
                    "The document unpacks to too much data (more than %(limit)s MB, or more than %(ratio)s times "
                    "its size); it looks like a zip bomb and is refused."
                )
                % {"limit": limit // (1024 * 1024), "ratio": ratio}
            },
            code="zip_bomb",
        )


# Below this, a high ratio is harmless (a short XML part of repeated tags packs a hundredfold).
_RATIO_FLOOR = 1024 * 1024


def _text_kind(head: bytes) -> str | None:
    """'text' when the start of the file reads as text (UTF-8, or the Czech Windows code page), else None."""
    if b"\x00" in head:
        return None
    for encoding in ("utf-8-sig", "cp1250"):
        try:
            decoded = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return "text" if not _TEXT_CONTROL.search(decoded) else None
    return None


def _check_text(chunks: Iterator[bytes], first: bytes) -> None:
    """A text file must decode from start to end and carry no markup anywhere."""
    decoders = [codecs.getincrementaldecoder(encoding)() for encoding in ("utf-8-sig", "cp1250")]
    alive = list(decoders)
    tail = b""

    def feed(chunk: bytes, final: bool = False) -> None:
        nonlocal alive, tail
        for decoder in list(alive):
            try:
                decoded = decoder.decode(chunk, final=final)
            except UnicodeDecodeError:
                alive.remove(decoder)
                continue
            if _TEXT_CONTROL.search(decoded):
                alive.remove(decoder)
        if not alive:
            raise ValidationError({"file": _("The file is not plain text (it contains binary data).")}, code="type")
        if _TEXT_MARKUP.search(tail + chunk):
            raise _markup_refused()
        tail = (tail + chunk)[-_MARKUP_OVERLAP:]

    feed(first)
    for chunk in chunks:
        feed(chunk)
    feed(b"", final=True)


def _markup_refused() -> ValidationError:
    return ValidationError(
        {"file": _("The file contains web page or script code (HTML, SVG or XML), which is not accepted.")},
        code="markup",
    )


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check, with what was learnt about it."""

    file: IO[bytes]
    name: str  # sanitised, for display and Content-Disposition
    content_type: str
    size: int
    sha256: str


def check_upload(file) -> CheckedUpload:
    """Accept the file or raise ValidationError({"file": ...}) saying why, in the user's language.

    The declared size is checked before anything is read; reading then stops at the limit whatever the
    declaration said. The extension must agree with the type found in the content.
    """
    if file is None or not hasattr(file, "read"):
        raise ValidationError({"file": _("Choose a file to upload.")}, code="required")
    limit = settings.ATTACHMENT_MAX_BYTES
    declared = getattr(file, "size", None)
    if declared is not None and declared > limit:
        raise _too_large(limit)
    name = sanitise_filename(getattr(file, "name", ""))
    allowed = allowed_types()
    accepted_labels = ", ".join(type_label(content_type) for content_type in allowed)

    chunks = _chunks(file, limit)
    first = b""
    for chunk in chunks:
        first += chunk
        if len(first) >= SNIFF_WINDOW:
            break
    if not first:
        raise ValidationError({"file": _("The file is empty.")}, code="empty")
    head = first[:SNIFF_WINDOW]

    extension = extension_of(name)
    detected = _signature_type(head)
    if detected is None and head.startswith(b"PK\x03\x04"):
        detected = _zip_type(file)
        if detected is None:
            raise ValidationError(
                {"file": _("Archives are not accepted, except DOCX, XLSX, PPTX, ODT and ODS documents.")},
                code="type",
            )
        chunks = _chunks(file, limit)  # the zip check moved the position: read again from the start
        first = next(chunks, b"")
    if detected is None and _text_kind(head):
        if _TEXT_MARKUP.search(head):
            raise _markup_refused()
        detected = CSV if extension == ".csv" else TEXT
    if detected is None or detected not in allowed:
        raise ValidationError(
            {"file": _("This type of file is not accepted. Accepted types: %(types)s.") % {"types": accepted_labels}},
            code="type",
        )
    if extension not in KNOWN_TYPES[detected][0]:
        raise ValidationError(
            {
                "file": _("The file's content is %(type)s, but its name ends in “%(extension)s”.")
                % {"type": type_label(detected), "extension": extension or _("(no extension)")}
            },
            code="extension",
        )
    if detected not in (TEXT, CSV) and _MARKUP.search(head):
        raise _markup_refused()  # a polyglot: e.g. a PDF header with an HTML page behind it

    digest = hashlib.sha256(first)
    size = len(first)

    def rest() -> Iterator[bytes]:
        nonlocal size
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            yield chunk

    if detected in (TEXT, CSV):
        _check_text(rest(), first)
    else:
        for _chunk in rest():
            pass
    file.seek(0)
    return CheckedUpload(file=file, name=name, content_type=detected, size=size, sha256=digest.hexdigest())


# --- storage ---------------------------------------------------------------------------------------------------


class AttachmentStorage(FileSystemStorage):
    """Attachments' files under settings.ATTACHMENTS_ROOT: outside the web root, served by no URL.

    The root is read from the settings at each use (not cached), so a test can point it elsewhere.
    """

    @property
    def base_location(self):
        return settings.ATTACHMENTS_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Attachments have no public URL; they are served by the permission-checked download view.")


_storage = AttachmentStorage()


def attachment_storage() -> AttachmentStorage:
    """The storage of Attachment.file (a callable, so migrations do not freeze a path)."""
    return _storage
