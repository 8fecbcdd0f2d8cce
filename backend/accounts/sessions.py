"""Ending a user's sessions and API tokens, whatever SESSION_ENGINE is configured.

Sign-in records the session key per user (UserSession), sign-out forgets it, and ending sessions deletes each
recorded key through the configured session store: no session row is ever decoded. Django rotates the key
at sign-in (and update_session_auth_hash at a password change); the key that is kept by
``user_sessions_end(except_session_key=...)`` is recorded again, so the session that survives a password
change can still be ended later.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from backend.accounts.models import User, UserSession


def _session_store(session_key: str | None = None) -> SessionBase:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def user_session_track(*, user: User, session_key: str | None) -> None:
    """Record that ``session_key`` belongs to ``user`` (idempotent; a key moves to its new owner)."""
    if not session_key or not user.pk:
        return
    try:
        with transaction.atomic():
            UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user})
    except IntegrityError:  # two requests recording the same key at once: one of them won, which is enough
        pass


def user_sessions_end(*, user: User, except_session_key: str | None = None) -> int:
    """End every session of the user except ``except_session_key``, and delete their API tokens.

    Returns the number of sessions ended (recorded keys whose session still existed).
    """
    ended = 0
    store = _session_store()
    tracked = UserSession.objects.filter(user=user)
    if except_session_key:
        tracked = tracked.exclude(session_key=except_session_key)
    keys = list(tracked.values_list("session_key", flat=True))
    for session_key in keys:
        if store.exists(session_key):
            _session_store(session_key).delete(session_key)
            ended += 1
    UserSession.objects.filter(user=user, session_key__in=keys).delete()
    Token.objects.filter(user=user).delete()
    if except_session_key:
        user_session_track(user=user, session_key=except_session_key)
    return ended


def _prune_expired(*, user: User) -> None:
    """Forget the user's recorded keys whose sessions expired or were cleared (sign-ins are rare; a user has few)."""
    store = _session_store()
    gone = [
        key
        for key in UserSession.objects.filter(user=user).values_list("session_key", flat=True)
        if not store.exists(key)
    ]
    if gone:
        UserSession.objects.filter(session_key__in=gone).delete()


def _on_logged_in(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    if session.session_key is None:
        # Engines that create the key lazily (the database one after cycle_key always has one).
        session.save()
    _prune_expired(user=user)
    user_session_track(user=user, session_key=session.session_key)


def _on_logged_out(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        UserSession.objects.filter(session_key=session.session_key).delete()


def connect_signals() -> None:
    user_logged_in.connect(_on_logged_in, dispatch_uid="ramec_user_session_track")
    user_logged_out.connect(_on_logged_out, dispatch_uid="ramec_user_session_forget")
