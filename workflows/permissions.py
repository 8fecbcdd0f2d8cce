"""Who may request which transition: subsets of the roles ``backend.projects.access`` gives a user."""

from typing import Any


def _may_request(*allowed: str):
    def permission(project: Any, user: Any) -> bool:
        # Imported here while the Project model mixes in the pipeline, whose module imports this one.
        from backend.projects.access import project_access

        return bool(project_access(user=user, project=project).roles.intersection(allowed))

    permission.allowed_roles = allowed
    return permission


# The names of backend.projects.access.MANAGER, AUTHOR, LEAD_HEAD and COORDINATOR.
may_submit = _may_request("manager", "author", "lead_head", "coordinator")
may_steer = _may_request("manager", "lead_head", "coordinator")
