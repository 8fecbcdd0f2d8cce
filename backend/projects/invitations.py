"""Inviting partner guests, accepting invitations and revoking a whole organisation's access.

These writes touch accounts (users, memberships, invitations) and projects (partner access, the timeline),
so they live here, above both. Revoking one project's access is ``services.project_partner_revoke``.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.accounts.invitations import invitation_from_token
from backend.accounts.models import Invitation, InvitationKind, Membership, PartnerOrganization, Role, User
from backend.accounts.selectors import user_access
from backend.accounts.services import membership_grant
from backend.accounts.sessions import user_sessions_end
from backend.accounts.signals import invitation_recorded
from backend.core.errors import DomainError, NotFound, PermissionDenied
from backend.core.text import single_line
from backend.projects.access import project_access
from backend.projects.closed import require_open
from backend.projects.models import EventKind, Project, ProjectPartner
from backend.projects.selectors import project_list_visible
from backend.projects.services import event_record, project_partner_grant, require_editor


class InvitationUnusable(DomainError):
    """The link cannot be used: ``code`` says why (invalid, expired, used, revoked)."""


def _unusable(reason: str) -> InvitationUnusable:
    messages = {
        "invalid": _("This invitation link is not valid. Check that you copied the whole link from the e-mail."),
        "expired": _("This invitation has expired. Ask the person who invited you to send a new one."),
        "used": _("This invitation has already been used. Sign in with the account you created."),
        "revoked": _("This invitation was withdrawn. Ask the person who invited you if you still need access."),
        "closed": _(
            "The account with this e-mail was deactivated. Ask the municipality's Smart City coordinator to "
            "reactivate it."
        ),
        "account_just_created": _(
            "An account for this e-mail was created a moment ago from another invitation. Open this link again: "
            "the access will be added to that account."
        ),
    }
    return InvitationUnusable(messages[reason], code=reason)


def _users_with_email(email: str) -> list[User]:
    return list(User.objects.filter(email__iexact=email).prefetch_related("memberships"))


def _is_municipal(user: User) -> bool:
    return user.is_staff or user.is_superuser or any(m.role != Role.PARTNER for m in user.memberships.all())


def _existing_guest(email: str) -> User | None:
    """The partner guest account of this e-mail, if any; ValidationError when it belongs to staff or is closed."""
    users = _users_with_email(email)
    if any(_is_municipal(user) for user in users):
        raise ValidationError(
            {"email": _("This e-mail belongs to a municipal account. Municipal staff need no invitation.")}
        )
    if users and not any(user.is_active for user in users):
        raise ValidationError(
            {"email": _("The account with this e-mail was deactivated. Ask the coordinator to reactivate it.")}
        )
    active = [user for user in users if user.is_active]
    return active[0] if active else None


def invitation_list_visible(*, user: User | None) -> QuerySet[Invitation]:
    """Invitations to the partner organisations of the user's municipalities; partner guests see none."""
    access = user_access(user=user)
    queryset = Invitation.objects.select_related("organization", "invited_by", "accepted_by").prefetch_related(
        "projects"
    )
    if access.is_platform_admin:
        return queryset
    return queryset.filter(organization__municipality_id__in=access.municipality_ids)


def invitation_list_pending(*, project: Project) -> QuerySet[Invitation]:
    """The invitations to a project still waiting to be accepted, newest first (for those who may see its partners)."""
    return (
        Invitation.objects.filter(
            projects=project, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("organization", "invited_by")
        .order_by("-created_at")
    )


def invitation_get_visible(*, user: User | None, pk: int | str) -> Invitation:
    try:
        return invitation_list_visible(user=user).get(pk=int(pk))
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Invitation not found.")) from None


def organization_get_managed(*, user: User | None, pk: int | str) -> PartnerOrganization:
    """A partner organisation of the user's municipalities (partner guests see none here)."""
    access = user_access(user=user)
    queryset = PartnerOrganization.objects.select_related("municipality")
    if not access.is_platform_admin:
        queryset = queryset.filter(municipality_id__in=access.municipality_ids)
    try:
        return queryset.get(pk=int(pk))
    except (PartnerOrganization.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Partner organisation not found.")) from None


def organization_list_managed(*, user: User | None) -> QuerySet[PartnerOrganization]:
    """The partner organisations a coordinator manages, with how many projects, guests and open invitations."""
    access = user_access(user=user)
    queryset = PartnerOrganization.objects.select_related("municipality")
    if not access.is_platform_admin:
        queryset = queryset.filter(municipality_id__in=access.coordinator_of)
    return queryset.annotate(
        project_count=Count("project_accesses", distinct=True),
        guest_count=Count(
            "memberships__user",
            filter=Q(memberships__role=Role.PARTNER, memberships__user__is_active=True),
            distinct=True,
        ),
        pending_invitation_count=Count(
            "invitations",
            filter=Q(
                invitations__accepted_at__isnull=True,
                invitations__revoked_at__isnull=True,
                invitations__expires_at__gt=timezone.now(),
            ),
            distinct=True,
        ),
    ).order_by("municipality__name", "name")


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    email: str,
    organization: PartnerOrganization,
    projects: Iterable[Project],
    language: str = "cs",
) -> Invitation:
    """Invite a person to a partner organisation and give that organisation access to ``projects``.

    The actor must be allowed to edit every project (its manager, a head of an involved department or the
    coordinator). Someone who already has a guest account gets the access added and an e-mail saying so;
    anyone else gets a single-use link to set up their account. The mail goes out after commit.
    """
    access = user_access(user=actor)
    email = (email or "").strip()
    projects = list(projects)
    errors = {}
    if not email:
        errors["email"] = _("Enter the e-mail address of the person to invite.")
    if not projects:
        errors["projects"] = _("Choose at least one project.")
    if language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose Czech or English.")
    if errors:
        raise ValidationError(errors)
    visible = set(project_list_visible(user=actor).filter(pk__in=[p.pk for p in projects]).values_list("pk", flat=True))
    for project in projects:
        if project.pk not in visible or project_access(user=actor, project=project).is_partner_view:
            raise NotFound(_("Project not found."))
    if not access.is_platform_admin and organization.municipality_id not in access.municipality_ids:
        raise ValidationError({"organization": _("The organisation is registered with another municipality.")})
    if any(project.municipality_id != organization.municipality_id for project in projects):
        raise ValidationError({"organization": _("The organisation is registered with another municipality.")})
    for project in projects:
        require_editor(actor=actor, project=project)
        require_open(project, field="projects")
    # Only after the editor check: whose e-mail this is must not be told to someone who may not invite.
    guest = _existing_guest(email)

    for project in projects:
        # An organisation that already has access keeps its level (a view-only partner stays view-only).
        if not ProjectPartner.objects.filter(project=project, organization=organization).exists():
            project_partner_grant(actor=actor, project=project, organization=organization)
    now = timezone.now()
    invitation = Invitation(
        email=guest.email if guest else email,
        organization=organization,
        language=language,
        invited_by=actor,
        expires_at=now + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    if guest is not None:
        if not Membership.objects.filter(user=guest, role=Role.PARTNER, organization=organization).exists():
            membership_grant(user=guest, role=Role.PARTNER, organization=organization)
        invitation.kind = InvitationKind.ACCESS_ADDED
        invitation.accepted_at, invitation.accepted_by = now, guest
    invitation.full_clean(exclude=["projects"])
    invitation.save()
    invitation.projects.set(projects)
    invitation_recorded.send(sender=Invitation, invitation=invitation)
    return invitation


def invitation_check(*, token: str) -> Invitation:
    """The invitation a link is for, if it can still be accepted; InvitationUnusable otherwise."""
    invitation = invitation_from_token(token=token)
    _require_usable(invitation)
    return invitation


def _require_usable(invitation: Invitation | None) -> None:
    if invitation is None:
        raise _unusable("invalid")
    if invitation.revoked_at is not None:
        raise _unusable("revoked")
    if invitation.accepted_at is not None:
        raise _unusable("used")
    if invitation.expires_at <= timezone.now():
        raise _unusable("expired")
    if not ProjectPartner.objects.filter(organization_id=invitation.organization_id).exists():
        raise _unusable("revoked")
    users = _users_with_email(invitation.email)
    if users and not any(user.is_active for user in users):
        # A deactivated person must not get a fresh account through a link sent before the deactivation.
        raise _unusable("closed")


def invitation_existing_account(*, invitation: Invitation) -> User | None:
    """The guest account that already exists for the invited e-mail (accepting then only adds access)."""
    users = [user for user in _users_with_email(invitation.email) if user.is_active and not _is_municipal(user)]
    return users[0] if users else None


def _username_for(email: str) -> str:
    base = email.lower()[:140]
    username, number = base, 1
    while User.objects.filter(username__iexact=username).exists():
        number += 1
        username = f"{base}-{number}"
    return username


@transaction.atomic
def invitation_accept(*, token: str, password: str | None, first_name: str, last_name: str) -> tuple[User, bool]:
    """Use an invitation link once: create the guest's account (or add access to the existing one).

    Returns the user and whether the account was created now. Nothing is written when the link is unusable
    or the input is invalid.
    """
    invitation = invitation_from_token(token=token, for_update=True)
    _require_usable(invitation)
    now = timezone.now()
    existing_guests = _users_with_email(invitation.email)
    if any(_is_municipal(user) for user in existing_guests):
        raise _unusable("invalid")
    guest = invitation_existing_account(invitation=invitation)
    created = guest is None
    if created:
        first_name, last_name = single_line(first_name or ""), single_line(last_name or "")
        errors: dict[str, list[str]] = {}
        if not first_name:
            errors["first_name"] = [_("Enter your first name.")]
        if not last_name:
            errors["last_name"] = [_("Enter your last name.")]
        guest = User(
            username=_username_for(invitation.email),
            email=invitation.email,
            first_name=first_name[:150],
            last_name=last_name[:150],
            language=invitation.language,
        )
        try:
            validate_password(password or "", user=guest)
        except ValidationError as error:
            errors["password"] = error.messages
        if errors:
            raise ValidationError(errors)
        guest.set_password(password)
        # The user name is ours (from the e-mail), never typed: its uniqueness is the database's to enforce.
        guest.full_clean(exclude=["password", "username"])
        try:
            with transaction.atomic():
                guest.save()
        except IntegrityError:
            # Another invitation to the same address was accepted at the same instant and took the name.
            raise _unusable("account_just_created") from None
    if not Membership.objects.filter(user=guest, role=Role.PARTNER, organization=invitation.organization).exists():
        membership_grant(user=guest, role=Role.PARTNER, organization=invitation.organization)
    invitation.accepted_at, invitation.accepted_by = now, guest
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return guest, created


def _require_may_manage(*, actor: User, invitation: Invitation) -> None:
    access = user_access(user=actor)
    if access.is_coordinator_in(invitation.organization.municipality_id) or invitation.invited_by_id == actor.pk:
        return
    for project in invitation.projects.all():
        try:
            require_editor(actor=actor, project=project)
        except PermissionDenied:
            continue
        return
    raise PermissionDenied(_("Only who sent the invitation, an editor of its projects or the coordinator may do this."))


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation: its link stops working (the organisation keeps its project access)."""
    invitation = invitation_get_visible(user=actor, pk=invitation.pk)
    _require_may_manage(actor=actor, invitation=invitation)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(
            {"invitation": _("This invitation was already accepted. Revoke the organisation's access instead.")}
        )
    if invitation.revoked_at is None:
        invitation.revoked_at, invitation.revoked_by = timezone.now(), actor
        invitation.save(update_fields=["revoked_at", "revoked_by"])
    return invitation


@transaction.atomic
def organization_access_revoke(*, actor: User, organization: PartnerOrganization) -> int:
    """Take away every project access of a partner organisation in its municipality, withdraw its pending
    invitations and sign its guests out everywhere at once; returns how many projects it lost.

    Only the coordinator of the organisation's municipality may; each project's timeline records it.
    """
    organization = organization_get_managed(user=actor, pk=organization.pk)
    if not user_access(user=actor).is_coordinator_in(organization.municipality_id):
        raise PermissionDenied(_("Only the coordinator may revoke an organisation's access to every project."))
    accesses = list(
        ProjectPartner.objects.select_for_update()
        .filter(organization=organization, project__municipality_id=organization.municipality_id)
        .select_related("project")
    )
    for access in accesses:
        access.delete()
        event_record(
            project=access.project,
            kind=EventKind.PARTNER_REVOKED,
            actor=actor,
            organization_id=organization.pk,
            organization=organization.name,
        )
    Invitation.objects.filter(organization=organization, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    for membership in Membership.objects.filter(role=Role.PARTNER, organization=organization).select_related("user"):
        user_sessions_end(user=membership.user)
    return len(accesses)
