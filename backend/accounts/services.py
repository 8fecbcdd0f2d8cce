"""Writes for accounts: creating municipalities, departments, partner organisations and memberships."""

from django.contrib.auth import password_validation, update_session_auth_hash
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from backend.accounts.models import Department, Membership, Municipality, PartnerOrganization, Role, User
from backend.accounts.selectors import user_access, user_access_forget
from backend.accounts.sessions import user_sessions_end
from backend.core.errors import PermissionDenied


@transaction.atomic
def municipality_create(*, name: str, ico: str, region: str, assessment_threshold: int | None = None) -> Municipality:
    municipality = Municipality(name=name, ico=ico, region=region)
    if assessment_threshold is not None:
        municipality.assessment_threshold = assessment_threshold
    municipality.full_clean()
    municipality.save()
    return municipality


def department_create(*, municipality: Municipality, code: str, name: str) -> Department:
    department = Department(municipality=municipality, code=code, name=name)
    department.full_clean()
    department.save()
    return department


def organization_create(*, municipality: Municipality, name: str, kind: str, ico: str = "") -> PartnerOrganization:
    organization = PartnerOrganization(municipality=municipality, name=name, kind=kind, ico=ico)
    organization.full_clean()
    organization.save()
    return organization


def membership_grant(
    *,
    user: User,
    role: str,
    municipality: Municipality | None = None,
    department: Department | None = None,
    organization: PartnerOrganization | None = None,
) -> Membership:
    """Give a user a role; the municipality follows from the department or organisation when not given."""
    if municipality is None:
        municipality = department.municipality if department else organization.municipality if organization else None
    membership = Membership(
        user=user, role=Role(role), municipality=municipality, department=department, organization=organization
    )
    membership.full_clean()
    membership.save()
    user_access_forget(user=user)
    return membership


# --- a person's own account, and deactivation (issue 6) -------------------------------------------------


def user_may_manage(*, actor: User, user: User) -> bool:
    """Whether ``actor`` manages ``user``'s account: a platform admin, or the coordinator of every
    municipality the person belongs to (by a department, municipality-wide or through a partner
    organisation). Someone who also belongs to another municipality is that municipality's too, so only
    platform operators manage them, as in the accounts admin. Platform operators are nobody's to manage."""
    if user.is_superuser and not actor.is_superuser:
        return False
    access = user_access(user=actor)
    if access.is_platform_admin:
        return True
    municipality_ids = set(Membership.objects.filter(user=user).values_list("municipality_id", flat=True))
    return bool(municipality_ids) and municipality_ids <= access.coordinator_of


def user_keeps_invited_email(*, user: User) -> bool:
    """Partner guests may not change their e-mail themselves (see user_profile_update)."""
    return user_access(user=user).is_partner_only and not user.is_staff


@transaction.atomic
def user_profile_update(*, user: User, first_name: str, last_name: str, email: str, language: str) -> User:
    """A person edits their own name, e-mail and language.

    Partner guests keep the e-mail they were invited at: invitations to an e-mail that has a guest account add
    access to that account at once, so a guest who could take another person's address would receive the
    access meant for them (another organisation's projects included). The coordinator changes it in the admin.
    """
    email = email.strip()
    if user_keeps_invited_email(user=user) and email.lower() != (user.email or "").lower():
        raise ValidationError(
            {
                "email": _(
                    "Partner guests keep the e-mail address their invitation was sent to. Ask the municipality's "
                    "Smart City coordinator to change it."
                )
            }
        )
    if email and User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": _("Another account already uses this e-mail address.")})
    user.first_name, user.last_name, user.email, user.language = first_name.strip(), last_name.strip(), email, language
    user.full_clean(exclude=("password", "username"))
    user.save(update_fields=("first_name", "last_name", "email", "language"))
    return user


@transaction.atomic
def user_password_change(*, user: User, password: str, request: HttpRequest | None = None) -> int:
    """Set a new password and end every other session and every API token of the person.

    With ``request`` (the person's own browser session), that session stays signed in under a new key,
    as ``update_session_auth_hash`` does; every other session ends. Returns how many sessions ended.
    """
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=("password",))
    keep = None
    if request is not None and request.user.pk == user.pk:
        update_session_auth_hash(request, user)
        keep = request.session.session_key
    return user_sessions_end(user=user, except_session_key=keep)


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> int:
    """Switch a person's account off: they cannot sign in, and their sessions and API tokens end at once.

    Allowed to platform admins and to the coordinator of the person's municipality (see
    ``user_may_manage``). Nothing the person did is touched. Returns how many sessions ended.
    """
    if actor.pk == user.pk:
        raise PermissionDenied(_("You cannot deactivate your own account."))
    if not user_may_manage(actor=actor, user=user):
        raise PermissionDenied(
            _(
                "Only the coordinator of the person's municipality or a platform administrator may deactivate "
                "this account."
            )
        )
    if user.is_active:
        user.is_active = False
        user.save(update_fields=("is_active",))
    user_access_forget(user=user)
    return user_sessions_end(user=user)
