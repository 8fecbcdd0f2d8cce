"""Who a user is to one project, and who may request which transition."""

from typing import Any

from backend.accounts.selectors import user_access

COORDINATOR = "coordinator"
LEAD_HEAD = "lead_head"
INVOLVED_HEAD = "involved_head"
MANAGER = "manager"
AUTHOR = "author"
STAFF = "staff"


def project_roles(project: Any, user: Any) -> frozenset[str]:
    """The roles a user holds on this project; empty for partners and outsiders.

    Partner guests never hold a role here: they may comment and work on tasks, never move a project.
    """
    access = user_access(user=user)
    if access.is_anonymous or not access.is_staff_in(project.municipality_id):
        return frozenset()
    # Asked once per transition when listing them: remember the answer on this project object.
    memo = project.__dict__.setdefault("_ramec_roles", {})
    key = (access.user_id, project.lead_department_id, project.manager_id, project.author_id)
    if key not in memo:
        memo[key] = _roles(project, access)
    return memo[key]


def _roles(project: Any, access: Any) -> frozenset[str]:
    roles = {STAFF}
    if access.is_coordinator_in(project.municipality_id):
        roles.add(COORDINATOR)
    if project.lead_department_id is not None and project.lead_department_id in access.head_of:
        roles.add(LEAD_HEAD)
    if access.head_of and access.head_of.intersection(involved_department_ids(project)):
        roles.add(INVOLVED_HEAD)
    if project.manager_id is not None and project.manager_id == access.user_id:
        roles.add(MANAGER)
    if project.author_id is not None and project.author_id == access.user_id:
        roles.add(AUTHOR)
    return frozenset(roles)


def involved_department_ids(project: Any) -> set[int]:
    """Departments involved besides the lead one; uses the prefetch cache when the caller made one."""
    return {department.pk for department in project.departments.all()}


def _may_request(*allowed: str):
    def permission(project: Any, user: Any) -> bool:
        return bool(project_roles(project, user).intersection(allowed))

    permission.allowed_roles = allowed
    return permission


may_submit = _may_request(MANAGER, AUTHOR, LEAD_HEAD, COORDINATOR)
may_steer = _may_request(MANAGER, LEAD_HEAD, COORDINATOR)
