"""GDPR: a person's own data as a download, and the anonymisation of former partner guests.

Layering: accounts sits below projects, workflows and notifications, which hang their rows on the user.
This module reads and clears those rows through the reverse relations the other apps declare on the user
(``user.comments``, ``user.tasks``, ``user.notifications``...), so it imports none of them at module level;
the one rule it borrows from above (which projects the person may still see) is imported inside the
function that needs it.
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from backend.accounts.models import Invitation, Membership, Role, User
from backend.accounts.selectors import user_access, user_access_forget
from backend.accounts.sessions import user_sessions_end
from backend.core.errors import NotFound, PermissionDenied

EXPORT_FORMAT = "ramec-user-data"
EXPORT_VERSION = 1
ANONYMISED_USERNAME = "anonymised-{id}"
# Deliveries that were not sent yet (or failed and wait for a retry): they would e-mail the person.
UNDELIVERED = ("pending", "failed")


# --- "Download my data" ---------------------------------------------------------------------------------


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything Rámec keeps about the person, in a documented, versioned structure (``version`` 1).

    ``profile``                   the account: username, names, e-mail, language, dates
    ``memberships``               roles: role, municipality, department, partner organisation
    ``comments``                  every comment the person wrote: their own words are their data
    ``tasks``                     tasks assigned to them
    ``notifications``             in-app notifications addressed to them (what happened, when, read when)
    ``notification_preferences``  how they chose to be notified
    ``approval_decisions``        approvals and rejections they decided, with their reason
    ``invitations``               partner invitations they accepted

    Projects appear by id; a project's title only while the person may still see the project, so a former
    guest learns nothing new about a project (a renamed title, for one) from their export. Nothing written
    by others about the project (internal comments, budgets, notes) is included. A fixed number of queries.
    """
    # Imported here, not at module level: the visibility rule lives in projects, which sits above accounts.
    from backend.projects.selectors import project_list_visible

    memberships = Membership.objects.filter(user=user).select_related("municipality", "department", "organization")
    comments = list(user.comments.order_by("created_at", "id"))
    tasks = list(user.tasks.order_by("id"))
    notifications = list(user.notifications.select_related("event").order_by("created_at", "id"))
    decisions = list(user.approval_decisions.select_related("request").order_by("created_at", "id"))
    project_ids = (
        {comment.project_id for comment in comments}
        | {task.project_id for task in tasks}
        | {notification.event.project_id for notification in notifications}
        | {decision.request.project_id for decision in decisions}
    )
    titles = dict(project_list_visible(user=user).filter(pk__in=project_ids).values_list("pk", "title"))

    def project(project_id: int) -> dict[str, Any]:
        return {"id": project_id, "title": titles.get(project_id)}

    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "generated_at": timezone.now().isoformat(),
        "profile": {
            "id": user.pk,
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "language": user.language,
            "is_active": user.is_active,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
        },
        "memberships": [
            {
                "role": membership.role,
                "municipality": membership.municipality.name,
                "department": membership.department.name if membership.department else None,
                "organization": membership.organization.name if membership.organization else None,
                "since": _when(membership.created_at),
            }
            for membership in memberships
        ],
        "comments": [
            {
                "id": comment.pk,
                "project": project(comment.project_id),
                "visibility": comment.visibility,
                "body": comment.body,
                "created_at": _when(comment.created_at),
            }
            for comment in comments
        ],
        "tasks": [
            {
                "id": task.pk,
                "project": project(task.project_id),
                "title": task.title,
                "description": task.description,
                "status": task.status,
                "due_date": task.due_date.isoformat() if task.due_date else None,
                "completed_at": _when(task.completed_at),
            }
            for task in tasks
        ],
        "notifications": [
            {
                "id": notification.pk,
                "kind": notification.event.kind,
                "project": project(notification.event.project_id),
                "created_at": _when(notification.created_at),
                "read_at": _when(notification.read_at),
            }
            for notification in notifications
        ],
        "notification_preferences": [
            {"kind": kind, "channel": channel}
            for kind, channel in user.notification_preferences.order_by("kind").values_list("kind", "channel")
        ],
        "approval_decisions": [
            {
                "project": project(decision.request.project_id),
                "transition": decision.request.transition,
                "decision": decision.decision,
                "comment": decision.comment,
                "decided_at": _when(decision.created_at),
            }
            for decision in decisions
        ],
        "invitations": [
            {
                "organization": invitation.organization.name,
                "email": invitation.email,
                "invited_at": _when(invitation.created_at),
                "accepted_at": _when(invitation.accepted_at),
            }
            for invitation in Invitation.objects.filter(accepted_by=user).select_related("organization")
        ],
    }


# --- former guests and their anonymisation --------------------------------------------------------------
#
# A former guest of a municipality is a person who
#   - was a partner guest there: a partner membership in one of its organisations, or an accepted
#     invitation to one (revocation keeps the membership, so either is the trace);
#   - has no municipal role anywhere (coordinator, head, manager, staff) and is no platform operator;
#   - has no partner access left anywhere: none of their organisations (of any municipality) has a project;
#   - was not anonymised already.
# Only such a person is anonymised, by the coordinator of that municipality or a platform admin: someone
# still working with another municipality is not this one's to erase.


def _former_guest_queryset() -> QuerySet[User]:
    municipal_role = Membership.objects.filter(user=OuterRef("pk")).exclude(role=Role.PARTNER)
    active_access = Membership.objects.filter(
        user=OuterRef("pk"), role=Role.PARTNER, organization__project_accesses__isnull=False
    )
    return User.objects.filter(is_superuser=False, is_staff=False, anonymised_at__isnull=True).exclude(
        Exists(municipal_role) | Exists(active_access)
    )


def _guest_of(municipality_ids) -> Q:
    """Was a partner guest in one of ``municipality_ids`` (None: anywhere)."""
    memberships = Membership.objects.filter(user=OuterRef("pk"), role=Role.PARTNER)
    invitations = Invitation.objects.filter(accepted_by=OuterRef("pk"))
    if municipality_ids is not None:
        memberships = memberships.filter(municipality_id__in=municipality_ids)
        invitations = invitations.filter(organization__municipality_id__in=municipality_ids)
    return Q(Exists(memberships)) | Q(Exists(invitations))


def former_guest_list(*, user: User) -> QuerySet[User]:
    """Former guests of the municipalities ``user`` coordinates (every one for platform admins)."""
    access = user_access(user=user)
    if access.is_platform_admin:
        scope = None
    elif access.coordinator_of:
        scope = access.coordinator_of
    else:
        return User.objects.none()
    return _former_guest_queryset().filter(_guest_of(scope)).order_by("last_name", "first_name", "username", "id")


def may_list_former_guests(*, user: User) -> bool:
    access = user_access(user=user)
    return access.is_platform_admin or bool(access.coordinator_of)


def _refusal(*, actor: User, user: User) -> str | None:
    """Why ``actor`` may not anonymise ``user``, in words for a municipal clerk; None when they may."""
    access = user_access(user=actor)
    if not (access.is_platform_admin or access.coordinator_of):
        return _("Only a Smart City coordinator or a platform administrator may anonymise people.")
    if actor.pk == user.pk:
        return _("You cannot anonymise your own account.")
    if user.anonymised_at is not None:
        return _("This person was already anonymised.")
    if user.is_superuser or user.is_staff:
        return _("Platform administrators and administration accounts are never anonymised here.")
    if Membership.objects.filter(user=user).exclude(role=Role.PARTNER).exists():
        return _("This person still has a role in a municipality: only former partner guests can be anonymised.")
    if Membership.objects.filter(user=user, role=Role.PARTNER, organization__project_accesses__isnull=False).exists():
        return _(
            "This person's organisation still has access to a project. Revoke the access first; "
            "only former guests can be anonymised."
        )
    scope = None if access.is_platform_admin else access.coordinator_of
    if not User.objects.filter(pk=user.pk).filter(_guest_of(scope)).exists():
        return _("This person was never a partner guest of your municipality.")
    return None


def user_anonymise(*, actor: User, user: User) -> User:
    """Replace a former guest's name and e-mail, so that nothing left identifies them (GDPR).

    The name becomes a neutral label (in the installation's default language, as stored data), the
    username ``anonymised-<id>``, the e-mail (also on invitations they accepted) blank; the password is
    unusable and the account inactive; API tokens, sessions, notification preferences, e-mails not yet
    sent and the partner memberships they still had are removed. Comments and tasks stay, showing the
    anonymised author; the history (transitions, events, approvals) is never touched. @mentions of the old
    username inside other people's comments stay as written: those comments are their authors' words and
    the record of the project, and a bare username names no one once the account is anonymised.

    Refused with ``PermissionDenied`` and the reason in words (see ``_refusal``).
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().filter(pk=user.pk).first()
        if locked is None:
            raise NotFound(_("Person not found."))
        reason = _refusal(actor=actor, user=locked)
        if reason:
            raise PermissionDenied(reason)
        with translation.override(settings.LANGUAGE_CODE):
            locked.first_name = _("Anonymised user")
        locked.last_name = ""
        locked.username = ANONYMISED_USERNAME.format(id=locked.pk)
        locked.email = ""
        locked.is_active = False
        locked.anonymised_at = timezone.now()
        locked.set_unusable_password()
        locked.save()
        Invitation.objects.filter(accepted_by=locked).update(email="")
        Membership.objects.filter(user=locked, role=Role.PARTNER).delete()
        locked.notification_preferences.all().delete()
        locked.deliveries.filter(status__in=UNDELIVERED).delete()
        user_sessions_end(user=locked)
        user_access_forget(user=locked)
    return locked
