"""Template context every page needs."""

from django.http import HttpRequest

from backend.accounts.selectors import user_access


def roles(request: HttpRequest) -> dict:
    """Whether the signed-in person is a partner guest (navigation hides what only answers 403 to them)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_is_partner": False}
    # A callable: templates evaluate it only where used, so fragments pay no query for it.
    return {"user_is_partner": lambda: user_access(user=user).is_partner_only}
