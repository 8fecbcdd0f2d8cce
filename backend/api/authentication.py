"""Session authentication whose CSRF refusal speaks the user's language and names no Django internals."""

from django.utils.translation import gettext as _
from drf_spectacular import authentication as spectacular_authentication
from rest_framework import authentication, exceptions


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
