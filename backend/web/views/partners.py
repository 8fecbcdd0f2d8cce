"""Partner organisations on a project: who has access, their guests, invitations; inviting and revoking;
the coordinator's organisation page; and the public page where an invited guest accepts.

Every form is a plain POST answered with a redirect (the invite form also answers htmx with its fragment);
revoking asks for confirmation on its own page, so it needs no JavaScript either.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from backend.accounts.models import Membership, PartnerOrganization, Role, User
from backend.accounts.selectors import user_access
from backend.core.errors import NotFound, PermissionDenied
from backend.projects.access import project_access
from backend.projects.closed import closed_message, project_is_closed
from backend.projects.invitations import (
    InvitationUnusable,
    invitation_accept,
    invitation_check,
    invitation_create,
    invitation_existing_account,
    invitation_get_visible,
    invitation_list_pending,
    invitation_list_visible,
    invitation_revoke,
    organization_access_revoke,
    organization_get_managed,
    organization_list_managed,
)
from backend.projects.models import Project, ProjectPartner
from backend.projects.selectors import project_get_visible
from backend.projects.services import project_partner_revoke
from backend.web.forms.project_detail import add_service_errors
from backend.web.htmx import htmx_partial, render_page
from backend.web.pagination import page_of
from backend.web.views.errors import domain_errors

PARTNERS_TEMPLATE = "pages/project_partners.html"
ORGANIZATION_TEMPLATE = "pages/organization.html"
ORGANIZATIONS_TEMPLATE = "pages/organizations.html"
ACCEPT_TEMPLATE = "pages/invitation_accept.html"
CONFIRM_TEMPLATE = "pages/revoke_confirm.html"
# The organisation page lists the projects shared with it this many a page (an agency may work on hundreds).
ORGANIZATION_PROJECTS_PAGE_SIZE = 50


# --- forms ------------------------------------------------------------------------------------------


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Partner organisation"),
        queryset=PartnerOrganization.objects.none(),
        empty_label=gettext_lazy("– choose an organisation –"),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language of the e-mail"), choices=settings.LANGUAGES, initial="cs")

    def __init__(self, *args, project: Project, **kwargs) -> None:
        kwargs.setdefault("auto_id", "invite-%s")
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = PartnerOrganization.objects.filter(
            municipality_id=project.municipality_id
        ).order_by("name")


class AcceptForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150)
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(label=gettext_lazy("Password again"), widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("The two passwords differ."))
        return data


# --- the project's partners -------------------------------------------------------------------------


def _editable_project(request: HttpRequest, pk: int) -> Project:
    """The project if the user may invite partners to it: partners and outsiders 404, other staff 403."""
    project = project_get_visible(user=request.user, pk=pk)
    access = project_access(user=request.user, project=project)
    if access.is_partner_view:
        raise NotFound(_("Project not found."))
    if not access.may_edit:
        raise PermissionDenied(
            _("Only the project manager, a head of an involved department or the coordinator manage partners.")
        )
    return project


def _partners_context(request: HttpRequest, project: Project, form: InviteForm | None = None, notice: str = "") -> dict:
    """Organisations with access, their guests and the pending invitations: four queries however many."""
    accesses = list(
        ProjectPartner.objects.filter(project=project)
        .select_related("organization")
        .prefetch_related(
            Prefetch(
                "organization__memberships",
                queryset=Membership.objects.filter(role=Role.PARTNER, user__is_active=True)
                .select_related("user")
                .order_by("user__last_name", "user__first_name"),
                to_attr="guests",
            )
        )
        .order_by("organization__name")
    )
    pending = list(invitation_list_pending(project=project))
    return {
        "project": project,
        "accesses": accesses,
        "pending_invitations": pending,
        "invite_form": form or InviteForm(project=project),
        "closed_notice": closed_message(project) if project_is_closed(project) else "",
        "notice": notice,
        "is_coordinator": project_access(user=request.user, project=project).is_coordinator,
        "nav": "projects",
    }


@login_required
@require_http_methods(["GET"])
@domain_errors
def project_partners(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable_project(request, pk)
    return render_page(request, PARTNERS_TEMPLATE, _partners_context(request, project), fragment="partners")


@login_required
@require_POST
@domain_errors
def project_invite(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable_project(request, pk)
    form = InviteForm(request.POST, project=project)
    if form.is_valid():
        try:
            invitation = invitation_create(
                actor=request.user,
                email=form.cleaned_data["email"],
                organization=form.cleaned_data["organization"],
                projects=[project],
                language=form.cleaned_data["language"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if invitation.accepted_at:
                notice = _("%(email)s already has a guest account: the access was added and they will get an e-mail.")
            else:
                notice = _("The invitation was sent to %(email)s.")
            notice %= {"email": invitation.email}
            if htmx_partial(request):
                return render_page(
                    request, PARTNERS_TEMPLATE, _partners_context(request, project, notice=notice), fragment="partners"
                )
            messages.success(request, notice)
            return redirect("web:project_partners", pk=project.pk)
    status = 200 if htmx_partial(request) else 400
    return render_page(
        request, PARTNERS_TEMPLATE, _partners_context(request, project, form=form), fragment="partners", status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def project_partner_revoke_view(request: HttpRequest, pk: int, organization_id: int) -> HttpResponse:
    project = _editable_project(request, pk)
    access = ProjectPartner.objects.filter(project=project, organization_id=organization_id).select_related(
        "organization"
    )
    access = access.first()
    if access is None:
        raise Http404(_("This organisation has no access to the project."))
    organization = access.organization
    if request.method == "GET":
        context = {
            "title": _("Revoke access of %(organization)s") % {"organization": organization.name},
            "question": _(
                "%(organization)s will lose access to “%(project)s”. Its guests are signed out at once, everywhere."
            )
            % {"organization": organization.name, "project": project.title},
            "action": reverse("web:project_partner_revoke", args=[project.pk, organization.pk]),
            "cancel": reverse("web:project_partners", args=[project.pk]),
            "nav": "projects",
        }
        return render_page(request, CONFIRM_TEMPLATE, context)
    project_partner_revoke(actor=request.user, project=project, organization=organization)
    messages.success(
        request, _("%(organization)s no longer has access to this project.") % {"organization": organization.name}
    )
    return redirect("web:project_partners", pk=project.pk)


@login_required
@require_POST
@domain_errors
def invitation_revoke_view(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = invitation_get_visible(user=request.user, pk=invitation_id)
    invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, _("The invitation for %(email)s was withdrawn.") % {"email": invitation.email})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("web:organization_detail", args=[invitation.organization_id])
    return redirect(target)


# --- the coordinator's organisation page ------------------------------------------------------------


def _managed_organization(request: HttpRequest, pk: int) -> PartnerOrganization:
    organization = organization_get_managed(user=request.user, pk=pk)
    if not user_access(user=request.user).is_coordinator_in(organization.municipality_id):
        raise PermissionDenied(_("Only the coordinator manages a partner organisation's access."))
    return organization


@login_required
@require_http_methods(["GET"])
@domain_errors
def organization_list(request: HttpRequest) -> HttpResponse:
    """The coordinator's register of partner organisations: who works on how many projects, with how many guests."""
    access = user_access(user=request.user)
    if not (access.is_platform_admin or access.coordinator_of):
        if not access.municipality_ids:
            raise NotFound(_("Page not found."))
        raise PermissionDenied(_("Only the coordinator manages partner organisations' access."))
    context = {
        "organizations": organization_list_managed(user=request.user),
        "organizations_span_municipalities": access.is_platform_admin,
        "nav": "organizations",
    }
    return render_page(request, ORGANIZATIONS_TEMPLATE, context)


@login_required
@require_http_methods(["GET"])
@domain_errors
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _managed_organization(request, pk)
    accesses = ProjectPartner.objects.filter(organization=organization).select_related("project")
    context = {
        "organization": organization,
        "accesses": page_of(
            accesses.order_by("project__title", "pk"),
            number=request.GET.get("projects_page"),
            per_page=ORGANIZATION_PROJECTS_PAGE_SIZE,
        ),
        "guests": User.objects.filter(
            memberships__organization=organization, memberships__role=Role.PARTNER, is_active=True
        ).order_by("last_name", "first_name"),
        "invitations": invitation_list_visible(user=request.user)
        .filter(organization=organization)
        .order_by("-created_at")[:50],
        "nav": "organizations",
    }
    return render_page(request, ORGANIZATION_TEMPLATE, context)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def organization_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _managed_organization(request, pk)
    if request.method == "GET":
        context = {
            "title": _("Revoke all access of %(organization)s") % {"organization": organization.name},
            "question": _(
                "%(organization)s will lose access to every project of the municipality, its pending invitations "
                "are withdrawn and its guests are signed out at once. They will not be able to sign in."
            )
            % {"organization": organization.name},
            "action": reverse("web:organization_revoke", args=[organization.pk]),
            "cancel": reverse("web:organization_detail", args=[organization.pk]),
            "nav": "organizations",
        }
        return render_page(request, CONFIRM_TEMPLATE, context)
    count = organization_access_revoke(actor=request.user, organization=organization)
    messages.success(
        request,
        ngettext(
            "%(organization)s lost access to %(count)d project.",
            "%(organization)s lost access to %(count)d projects.",
            count,
        )
        % {"organization": organization.name, "count": count},
    )
    return redirect("web:organization_detail", pk=organization.pk)


# --- accepting an invitation (public) ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_check(token=token)
    except InvitationUnusable as error:
        return render_page(
            request,
            ACCEPT_TEMPLATE,
            {"unusable": str(error), "reason": error.code},
            status=410 if error.code != "invalid" else 404,
        )
    existing = invitation_existing_account(invitation=invitation)
    if request.user.is_authenticated and (existing is None or existing.pk != request.user.pk):
        # Signed in as someone else: ask before the session changes hands, never switch it silently.
        if request.method == "POST" and request.POST.get("sign_out") == "1":
            logout(request)
            return redirect(request.path)
        context = {"invitation": invitation, "signed_in_as": request.user}
        return render_page(request, ACCEPT_TEMPLATE, context, status=409 if request.method == "POST" else 200)
    form = AcceptForm(request.POST or None) if existing is None else None
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form is not None else {}
        try:
            user, created = invitation_accept(
                token=token,
                password=data.get("password"),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
        except InvitationUnusable as error:
            return render_page(request, ACCEPT_TEMPLATE, {"unusable": str(error), "reason": error.code}, status=410)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if created:
                login(request, user, backend="backend.accounts.backends.AccountBackend")
                messages.success(
                    request,
                    _("Welcome to Rámec. Next time, sign in with the user name %(username)s.")
                    % {"username": user.username},
                )
                return redirect("web:project_list")
            messages.success(request, _("The access was added to your account. Sign in to see the projects."))
            return redirect("web:login")
    # The password rules are shown next to the field, before the guest trips over them.
    context = {
        "invitation": invitation,
        "existing": existing,
        "form": form,
        "password_rules": password_validators_help_texts() if form is not None else [],
    }
    status = 400 if request.method == "POST" else 200
    return render_page(request, ACCEPT_TEMPLATE, context, status=status)


urlpatterns = [
    path("projects/<int:pk>/partners/", project_partners, name="project_partners"),
    path("projects/<int:pk>/partners/invite/", project_invite, name="project_invite"),
    path(
        "projects/<int:pk>/partners/<int:organization_id>/revoke/",
        project_partner_revoke_view,
        name="project_partner_revoke",
    ),
    path("invitations/<int:invitation_id>/revoke/", invitation_revoke_view, name="invitation_revoke"),
    path("invitations/accept/<str:token>/", invitation_accept_view, name="invitation_accept"),
    path("organizations/", organization_list, name="organization_list"),
    path("organizations/<int:pk>/", organization_detail, name="organization_detail"),
    path("organizations/<int:pk>/revoke/", organization_revoke_view, name="organization_revoke"),
]
