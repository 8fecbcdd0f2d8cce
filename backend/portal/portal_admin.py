"""The coordinator's settings of the municipality's portal: its open state, introduction and RÚIAN code, and who
else of the municipality's staff moderates citizen ideas (decided by ``Access.moderates_ideas_in``)."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from backend.accounts.models import Membership, Role, User
from backend.accounts.selectors import user_access
from backend.core.errors import NotFound, PermissionDenied
from backend.portal.models import Portal

SETTINGS_FIELDS = ("is_open", "introduction", "ruian_code")


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
    portal = portal_get_for_settings(user=actor, municipality_id=portal.municipality_id)
    for name in SETTINGS_FIELDS:
        setattr(portal, name, changes[name])
    portal.full_clean()
    portal.save(update_fields=[*SETTINGS_FIELDS, "updated_at"])
    return portal


@transaction.atomic
def idea_moderators_set(*, actor: User, portal: Portal, membership_ids: list[int]) -> int:
    """Exactly these memberships of the municipality's staff moderate its ideas; how many do."""
    portal = portal_get_for_settings(user=actor, municipality_id=portal.municipality_id)
    candidates = idea_moderator_candidates(portal=portal)
    candidates.exclude(pk__in=membership_ids).update(moderates_ideas=False)
    return candidates.filter(pk__in=membership_ids).update(moderates_ideas=True)
