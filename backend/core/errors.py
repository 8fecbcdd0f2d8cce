"""Domain errors. Services raise them; the API and the UI map them once to status codes and messages."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Blocker:
    """One reason why something cannot happen now: a stable code for machines, a message for people."""

    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": str(self.message)}


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    code = "domain_error"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return str(self.message)


class NotFound(DomainError):
    """The object does not exist for this user (whether it exists at all is not revealed)."""

    code = "not_found"


class PermissionDenied(DomainError):
    """The user may see the object but may not do this to it."""

    code = "permission_denied"


class TransitionNotAllowed(DomainError):
    """The transition does not exist or does not start from the project's current stage."""

    code = "transition_not_allowed"


class TransitionBlocked(DomainError):
    """The transition exists and the user may request it, but its gate is closed."""

    code = "transition_blocked"

    def __init__(self, message: str, *, blockers: list[Blocker]) -> None:
        super().__init__(message)
        self.blockers = list(blockers)


class ConcurrentChange(DomainError):
    """Someone else changed the object between the caller's read and this write."""

    code = "concurrent_change"
