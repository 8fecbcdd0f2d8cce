"""API authentication: a token whose query brings the user's roles; session authentication whose CSRF refusal
speaks the user's language and names no Django internals."""

from django.db import connection
from django.utils.translation import gettext as _
from drf_spectacular import authentication as spectacular_authentication
from rest_framework import authentication, exceptions

from backend.accounts.selectors import user_access_prime, user_memberships_json


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, the user's memberships read in the token's own query (PostgreSQL): every API
    call asks for the roles (``user_access``), and that was a query of its own on each request."""

    def authenticate_credentials(self, key):
        if connection.vendor != "postgresql":
            return super().authenticate_credentials(key)
        token = (
            self.get_model()
            .objects.select_related("user")
            .annotate(ramec_memberships=user_memberships_json("user_id"))
            .filter(key=key)
            .first()
        )
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)  # DRF's own refusal and message
        user_access_prime(user=token.user, memberships=token.ramec_memberships or ())
        return token.user, token


class SessionAuthentication(authentication.SessionAuthentication):
    def enforce_csrf(self, request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            # DRF's "CSRF Failed: <Django's reason>" is English and not translatable.
            raise exceptions.PermissionDenied(
                _("The CSRF check failed: reload the page and try again, or send the CSRF token with the request.")
            ) from None


class SessionScheme(spectacular_authentication.SessionScheme):
    """The schema describes our subclass as DRF's session cookie (drf-spectacular matches classes exactly)."""

    target_class = "backend.api.authentication.SessionAuthentication"
