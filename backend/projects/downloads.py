"""An attachment's file as a download: the one place that decides the headers of every attachment download.

The staff download (backend.web.views.attachments) and the portal's public download both answer with it: the file
as an attachment under its sanitised name, never inline, with ``nosniff`` and a sandboxing CSP, so that a
downloaded file can never run as a page of ours. Who may download what, and the caching, stay with the caller.
"""

import logging

from django.http import FileResponse
from django.utils.translation import gettext as _

from backend.core.errors import NotFound
from backend.projects.models import Attachment
from backend.projects.uploads import KNOWN_TYPES

logger = logging.getLogger(__name__)

# No scripts, no plugins, no same-origin rights, whatever the file claims to be.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def attachment_file_response(attachment: Attachment) -> FileResponse:
    """NotFound (like a missing attachment) when its file is gone from the storage."""
    try:
        handle = attachment.file.storage.open(attachment.file.name, "rb")
    except OSError:
        logger.error("attachment %s: file %s is missing", attachment.pk, attachment.file.name)
        raise NotFound(_("Attachment not found.")) from None
    content_type = attachment.content_type if attachment.content_type in KNOWN_TYPES else "application/octet-stream"
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    return response
