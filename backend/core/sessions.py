"""Inactivity timeout: a session ends SESSION_INACTIVITY_TIMEOUT seconds after its last request.

Django stores a session's expiry when the session is saved, and saves it only when it changed. Saving on
every request (SESSION_SAVE_EVERY_REQUEST) would write the session row on each page and HTMX fragment, so
this middleware marks the session changed at most once a minute: an active user's expiry keeps moving
forward, an idle one's session expires between a minute before and at the timeout. Sign-in stamps the
session (``mark_refreshed``), so the requests of the first minute write nothing either.

Requests a page makes on its own in the background (the notification bell polls every minute) carry the
``X-Background-Poll`` header and do not count as activity: a tab left open must not keep a session alive.
"""

import time
from collections.abc import Callable

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse

REFRESHED_AT_KEY = "_ramec_refreshed_at"
REFRESH_INTERVAL_SECONDS = 60
BACKGROUND_POLL_HEADER = "X-Background-Poll"


class InactivityTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        # Only a signed-in user's session: a stale cookie or a passer-by must not get a session row written.
        polling = bool(request.headers.get(BACKGROUND_POLL_HEADER))
        if not polling and session is not None and session.session_key and SESSION_KEY in session:
            now = int(time.time())
            if now - int(session.get(REFRESHED_AT_KEY, 0)) >= REFRESH_INTERVAL_SECONDS:
                session[REFRESHED_AT_KEY] = now
        return self.get_response(request)


def mark_refreshed(sender, request, user, **kwargs) -> None:
    """user_logged_in: the session is saved with the sign-in anyway; stamp it so the next minute writes nothing."""
    session = getattr(request, "session", None)
    if session is not None:
        session[REFRESHED_AT_KEY] = int(time.time())


def connect_signals() -> None:
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.connect(mark_refreshed, dispatch_uid="ramec_session_refreshed_at_sign_in")
