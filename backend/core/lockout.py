"""Brute-force protection around django-axes: the authentication backend and the lockout answer.

Web and admin sign-ins get a page in the user's language, API callers JSON; both answer 429 Too Many
Requests with Retry-After, like the API's throttles, since waiting is what lifts the lock.
"""

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from backend.core.client_ip import client_ip


class LockoutBackend(AxesStandaloneBackend):
    """axes' backend, except that a call without a request (the test client, a shell) is not checked.

    Every HTTP sign-in (web, admin, API token) passes its request; without one there is no address to lock
    and axes would raise instead of answering.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


# The longest user name there is (accounts.User); axes stores at most 255 characters and would fail on more.
_MAX_USERNAME = 150


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the name tried, cut to the longest real one, whatever length was posted."""
    if credentials:
        username = credentials.get("username")
    else:
        data = getattr(request, "data", None)
        data = data if isinstance(data, dict) else request.POST
        username = data.get("username")
    return None if username is None else str(username)[:_MAX_USERNAME]


def lockout_reset_on_success(*, request: HttpRequest, username: str) -> None:
    """AXES_RESET_ON_SUCCESS for sign-ins that do not call login() (the API token): forget this pair's failures."""
    if settings.AXES_RESET_ON_SUCCESS:
        AxesProxyHandler.reset_attempts(ip_address=client_ip(request), username=username)


def lockout_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_minutes() -> int:
    return max(1, lockout_seconds() // 60)


def lockout_message() -> str:
    minutes = lockout_minutes()
    return ngettext(
        "Too many failed sign-ins to this account from your address. For your security, signing in is blocked "
        "for %(minutes)d minute. Wait and try again, or ask your Smart City coordinator to unlock the account.",
        "Too many failed sign-ins to this account from your address. For your security, signing in is blocked "
        "for %(minutes)d minutes. Wait and try again, or ask your Smart City coordinator to unlock the account.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: what a locked-out sign-in answers, instead of axes' plain English text."""
    retry_after = str(lockout_seconds())
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message()}, status=settings.AXES_HTTP_RESPONSE_CODE)
    else:
        response = render(
            request,
            "account_locked.html",
            {"message": lockout_message(), "minutes": lockout_minutes()},
            status=settings.AXES_HTTP_RESPONSE_CODE,
        )
    response["Retry-After"] = retry_after
    return response
