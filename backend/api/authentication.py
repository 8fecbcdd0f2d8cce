"""API authentication: a token whose query brings the user's roles; session authentication whose CSRF refusal
speaks the user's language and names no Django internals."""

import json
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection
from django.utils.translation import gettext as _
from drf_spectacular import authentication as spectacular_authentication
from rest_framework import authentication, exceptions

from backend.accounts.models import User
from backend.accounts.selectors import user_access_prime, user_memberships_json

_KEY = "ramec-token-key"  # the one parameter of the token's query, replaced by the key sent


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, the user's memberships read in the token's own query (PostgreSQL): every API
    call asks for the roles (``user_access``), and that was a query of its own on each request."""

    def authenticate_credentials(self, key):
        if connection.vendor != "postgresql":
            return super().authenticate_credentials(key)
        with connection.cursor() as cursor:
            cursor.execute(_token_query(), [key])
            row = cursor.fetchone()
        user_fields = _user_fields()
        if row is None or not row[user_fields.index("is_active")]:
            return super().authenticate_credentials(key)  # DRF's own refusal and message
        user = User.from_db(DEFAULT_DB_ALIAS, user_fields, row[: len(user_fields)])
        created, memberships = row[len(user_fields) :]
        token = self.get_model().from_db(DEFAULT_DB_ALIAS, ("key", "user_id", "created"), (key, user.pk, created))
        token.user = user
        user_access_prime(user=user, memberships=json.loads(memberships) if memberships else ())
        return user, token


@cache
def _user_fields() -> tuple[str, ...]:
    return tuple(field.attname for field in User._meta.concrete_fields)


@cache
def _token_query() -> str:
    """The SQL of the token's query (the user, the token's creation, the roles), compiled by the ORM once per
    process: building and compiling the queryset anew cost more than the query itself, on every API call."""
    sql, parameters = (
        User.objects.filter(auth_token__key=_KEY)
        .annotate(ramec_memberships=user_memberships_json("pk"))
        .order_by()
        .values_list(*_user_fields(), "auth_token__created", "ramec_memberships")
        .query.sql_with_params()
    )
    if parameters != (_KEY,):
        raise AssertionError(f"the token's query takes the key alone, not {parameters!r}")
    return sql


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
