"""Signing in: Django's model backend, refusing partner guests whose organisations have no project left.

The check runs at sign-in only (``authenticate``), never in ``get_user``/``user_can_authenticate``, which
Django calls on every request of every signed-in user: revoking access ends the guest's sessions and API
tokens at once (backend.accounts.sessions), so a per-request query would buy nothing.
"""

from django.contrib.auth.backends import ModelBackend

from backend.accounts.models import PartnerOrganization, User
from backend.accounts.selectors import user_access

# Set on the request when the password was right but the guest has no project left, so that the sign-in
# form can say their access ended rather than that the password was wrong.
ACCESS_ENDED_ATTRIBUTE = "_ramec_guest_access_ended"


def guest_without_projects(user: User) -> bool:
    """True for a partner-only user none of whose organisations has access to any project."""
    access = user_access(user=user)
    if not access.is_partner_only or user.is_staff:
        return False
    return not PartnerOrganization.objects.filter(pk__in=access.partner_of, project_accesses__isnull=False).exists()


class AccountBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and guest_without_projects(user):
            if request is not None:
                setattr(request, ACCESS_ENDED_ATTRIBUTE, True)
            return None
        return user
