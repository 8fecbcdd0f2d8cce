"""The coordinator's settings of the municipality's portal: its open state, introduction and RÚIAN code, and who
else of the municipality's staff moderates citizen ideas (decided by ``Access.moderates_ideas_in``)."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from backend.accounts.models import Membership, Role, User
from backend.accounts.selectors import user_access
from backend.core.audit import audit_record
from backend.core.errors import NotFound, PermissionDenied
from backend.core.models import AuditAction
from backend.portal.models import Portal

SETTINGS_FIELDS = ("is_open", "introduction", "ruian_code")
# How much of a changed text setting (the introduction) its audit entry keeps, before and after.
AUDIT_TEXT_LIMIT = 200


def portal_get_for_settings(*, user: User, municipality_id: int) -> Portal:
    """The portal whose settings the user changes: its coordinator only (403 for the municipality's other staff,
    404 for anyone else and for a municipality without a portal)."""
    access = user_access(user=user)
    if not access.is_staff_in(municipality_id):
        raise NotFound(_("Portal not found."))
    if not access.is_coordinator_in(municipality_id):
        raise PermissionDenied(_("Only the coordinator changes the portal's settings."))
    portal = Portal.objects.select_related("municipality").filter(municipality_id=municipality_id).first()
    if portal is None:
        raise NotFound(_("Portal not found."))
    return portal


def idea_moderator_candidates(*, portal: Portal) -> QuerySet[Membership]:
    """The municipality's staff (not its coordinators, who moderate anyway, nor partner guests)."""
    return (
        Membership.objects.filter(
            municipality_id=portal.municipality_id, role__in=(Role.HEAD, Role.MANAGER, Role.STAFF)
        )
        .select_related("user", "department")
        .order_by("user__last_name", "user__first_name", "user__username", "id")
    )


@transaction.atomic
def portal_settings_update(*, actor: User, portal: Portal, changes: dict) -> Portal:
    """Save the settings; a change is recorded in the audit log (what changed, from what to what)."""
    portal = portal_get_for_settings(user=actor, municipality_id=portal.municipality_id)
    before = {name: getattr(portal, name) for name in SETTINGS_FIELDS}
    for name in SETTINGS_FIELDS:
        setattr(portal, name, changes[name])
    portal.full_clean()
    portal.save(update_fields=[*SETTINGS_FIELDS, "updated_at"])
    changed = {
        name: {"from": _shown(before[name]), "to": _shown(getattr(portal, name))}
        for name in SETTINGS_FIELDS
        if before[name] != getattr(portal, name)
    }
    if changed:
        labels = ", ".join(str(Portal._meta.get_field(name).verbose_name) for name in changed)
        message = _("Changed: %(fields)s.") % {"fields": labels}
        _audit(AuditAction.PORTAL_SETTINGS_CHANGED, actor=actor, portal=portal, changes=changed, message=message)
    return portal


@transaction.atomic
def idea_moderators_set(*, actor: User, portal: Portal, membership_ids: list[int]) -> int:
    """Exactly these memberships of the municipality's staff moderate its ideas; how many do. Who was given or
    lost the right is recorded in the audit log."""
    portal = portal_get_for_settings(user=actor, municipality_id=portal.municipality_id)
    candidates = idea_moderator_candidates(portal=portal)
    wanted = set(membership_ids)
    before = {membership.pk: membership for membership in candidates.select_for_update(of=("self",))}
    granted = [m for pk, m in before.items() if pk in wanted and not m.moderates_ideas]
    revoked = [m for pk, m in before.items() if pk not in wanted and m.moderates_ideas]
    candidates.exclude(pk__in=membership_ids).update(moderates_ideas=False)
    count = candidates.filter(pk__in=membership_ids).update(moderates_ideas=True)
    if granted or revoked:
        parts = []
        if granted:
            parts.append(_("Moderate now: %(people)s.") % {"people": _names(granted)})
        if revoked:
            parts.append(_("No longer moderate: %(people)s.") % {"people": _names(revoked)})
        _audit(
            AuditAction.IDEA_MODERATORS_CHANGED,
            actor=actor,
            portal=portal,
            granted=[_person(membership) for membership in granted],
            revoked=[_person(membership) for membership in revoked],
            message=" ".join(parts),
        )
    return count


def _audit(action: AuditAction, *, actor: User, portal: Portal, **details) -> None:
    """The coordinator's decision about the portal as an audit entry of its municipality."""
    audit_record(
        action=action,
        actor=actor,
        municipality_ids=[portal.municipality_id],
        object_type="portal",
        object_id=portal.pk,
        details=details,
    )


def _shown(value) -> str | int | bool | None:
    """A setting's value as the audit entry keeps it (a long introduction cut)."""
    if isinstance(value, str) and len(value) > AUDIT_TEXT_LIMIT:
        return value[: AUDIT_TEXT_LIMIT - 1] + "…"
    return value


def _person(membership: Membership) -> dict:
    return {"membership": membership.pk, "user": membership.user_id, "username": membership.user.username}


def _names(memberships: list[Membership]) -> str:
    return ", ".join(m.user.get_full_name().strip() or m.user.username for m in memberships)
