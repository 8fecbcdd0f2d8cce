"""Invitation links: a signed value carrying the invitation's id and its per-row nonce.

Only the server (SECRET_KEY) can make one; the row alone can rebuild it, so a retried sending task sends the
same working link; and it names one row whose state (accepted, revoked, expired) decides whether it still works.
"""

from django.core import signing
from django.utils.crypto import constant_time_compare

from backend.accounts.models import Invitation

_SALT = "ramec.accounts.invitation"


def invitation_token(*, invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=_SALT, compress=False)


def invitation_from_token(*, token: str, for_update: bool = False) -> Invitation | None:
    """The invitation the token was made for, whatever its state; None for a forged or tampered token."""
    try:
        value = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("i"), int) or not isinstance(value.get("n"), str):
        return None
    queryset = Invitation.objects.select_related("organization", "organization__municipality")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    invitation = queryset.filter(pk=value["i"]).first()
    if invitation is None or not constant_time_compare(invitation.nonce, value["n"]):
        return None
    return invitation
