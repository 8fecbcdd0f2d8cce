"""Who may request which transition: subsets of the roles ``backend.projects.access`` gives a user."""

from typing import Any

from backend.projects.access import AUTHOR, COORDINATOR, LEAD_HEAD, MANAGER, project_access


def _may_request(*allowed: str):
    def permission(project: Any, user: Any) -> bool:
        return bool(project_access(user=user, project=project).roles.intersection(allowed))

    permission.allowed_roles = allowed
    return permission


may_submit = _may_request(MANAGER, AUTHOR, LEAD_HEAD, COORDINATOR)
may_steer = _may_request(MANAGER, LEAD_HEAD, COORDINATOR)
