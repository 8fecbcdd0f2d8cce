"""Attachments in the web UI: the attachments tab's upload and delete, and the one download view.

The download view serves the UI and the API alike (API callers send their token): it streams the file as a
download under its sanitised name, never inline, with ``nosniff`` and a sandboxing CSP, and answers 404 the
same whether the attachment is missing, hidden, or its file is gone.
"""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from backend.core.errors import NotFound
from backend.projects.attachments import attachment_create, attachment_delete, attachment_get_visible
from backend.projects.downloads import attachment_file_response
from backend.web.forms.attachments import AttachmentForm
from backend.web.forms.project_detail import add_service_errors
from backend.web.views.errors import domain_errors
from backend.web.views.project_detail.page import invalid, project_and_viewer, saved, tab_context

TAB = "attachments"


def _downloader(request: HttpRequest):
    """The signed-in user (session), or the user of a valid ``Authorization: Token`` header; None otherwise.

    Raises AuthenticationFailed for a token that is wrong, expired or of a deactivated person.
    """
    if request.user.is_authenticated:
        return request.user
    if not request.headers.get("Authorization"):
        return None
    result = TokenAuthentication().authenticate(request)
    if result is None:
        raise AuthenticationFailed()
    return result[0]


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        user = _downloader(request)
    except AuthenticationFailed:
        response = HttpResponse(_("Invalid token."), status=401, content_type="text/plain; charset=utf-8")
        response["WWW-Authenticate"] = "Token"
        return response
    if user is None:
        return redirect_to_login(request.get_full_path())
    try:
        response = attachment_file_response(attachment_get_visible(user=user, pk=pk))
    except NotFound:
        raise Http404(_("Attachment not found.")) from None
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    patch_vary_headers(response, ("Cookie", "Authorization"))
    return response


@login_required
@require_POST
@domain_errors
def project_attachment_create(request: HttpRequest, pk: int) -> HttpResponse:
    project, viewer = project_and_viewer(request, pk)
    if not viewer.may_contribute:
        raise HttpPermissionDenied(_("Your organisation's access to this project is read-only."))
    form = AttachmentForm(request.POST, request.FILES, partner=viewer.partner)
    if form.is_valid():
        try:
            attachment = attachment_create(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            notice = _("The file “%(name)s” was uploaded.") % {"name": attachment.original_name}
            return saved(request, project, viewer, TAB, notice)
    context = tab_context(request, project, viewer, TAB, attachment_form=form)
    return invalid(request, project, viewer, TAB, fragment=TAB, context=context)


@login_required
@require_POST
@domain_errors
def project_attachment_delete(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    project, viewer = project_and_viewer(request, pk)
    attachment = attachment_get_visible(user=request.user, pk=attachment_id)
    if attachment.project_id != project.pk:
        raise Http404(_("Attachment not found."))
    attachment_delete(actor=request.user, attachment=attachment)
    notice = _("The file “%(name)s” was deleted.") % {"name": attachment.original_name}
    return saved(request, project, viewer, TAB, notice)


urlpatterns = [
    path("attachments/<int:pk>/download/", attachment_download, name="attachment_download"),
    path("projects/<int:pk>/attachments/new/", project_attachment_create, name="project_attachment_create"),
    path(
        "projects/<int:pk>/attachments/<int:attachment_id>/delete/",
        project_attachment_delete,
        name="project_attachment_delete",
    ),
]
