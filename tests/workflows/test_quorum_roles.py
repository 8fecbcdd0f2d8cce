"""An approval counts only while its approver still holds the role it was given in."""

from backend.accounts.models import Membership
from backend.accounts.selectors import user_access_forget
from backend.projects.stages import Stage
from workflows.services import approval_decide, project_transition


def test_an_approval_of_someone_who_left_the_department_no_longer_counts(town):
    project = town.project(Stage.FUNDING)
    outcome = project_transition(project=project, actor=town.user("lead_head"), transition="start_implementation")
    assert outcome.approval_request.status == "pending"  # the head approved; the coordinator must too

    Membership.objects.filter(user=town.user("lead_head"), role="head").delete()
    user_access_forget(user=town.user("lead_head"))
    after = approval_decide(
        approval_request=outcome.approval_request, actor=town.user("coordinator"), decision="approve"
    )

    assert not after.executed
    assert after.approval_request.status == "pending"
    project.refresh_from_db()
    assert project.stage == Stage.FUNDING


def test_a_deactivated_approver_no_longer_counts(town):
    project = town.project(Stage.FUNDING)
    outcome = project_transition(project=project, actor=town.user("lead_head"), transition="start_implementation")
    head = town.user("lead_head")
    head.is_active = False
    head.save()

    after = approval_decide(
        approval_request=outcome.approval_request, actor=town.user("coordinator"), decision="approve"
    )

    assert not after.executed
