"""The admin of projects and of the pipeline: read-only, and a stage moves or a request is decided only through
the services, with the acting coordinator's own rights."""

import pytest
from django.contrib.auth.models import Permission
from django.forms import CheckboxInput, MultiWidget
from django.test import Client
from django.urls import reverse

from backend.projects.models import Project
from backend.projects.stages import Stage
from tests.factories import UserFactory
from workflows.models import ApprovalRequest, ApprovalStatus, TransitionRecord
from workflows.services import project_transition

CHANGE_FORM_ACTION = "CHANGE_FORM-action"


def staff(user, *codenames: str):
    """Let a town user into the admin with the given model permissions."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def browser(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def superuser(db):
    return UserFactory(username="operator", is_superuser=True, is_staff=True)


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def submitted_form(response) -> dict:
    """What the browser submits when the user saves the rendered change form without touching it."""
    data = {}

    def add(form) -> None:
        for field in form:
            value, widget = field.value(), field.field.widget
            if isinstance(widget, CheckboxInput):
                if value:
                    data[field.html_name] = "on"
            elif isinstance(widget, MultiWidget):
                for index, part in enumerate(widget.decompress(value)):
                    data[f"{field.html_name}_{index}"] = "" if part is None else part
            else:
                data[field.html_name] = "" if value is None else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def run_action(client, url: str, action: str, objects, *, field: str = "action", **confirmed) -> tuple:
    """Choose an action for ``objects`` (first response), then confirm its intermediate form (second)."""
    selection = {field: action, "_selected_action": [obj.pk for obj in objects]}
    intermediate = client.post(url, selection)
    final = client.post(url, {**selection, "confirm": "yes", **confirmed}, follow=True) if confirmed else None
    return intermediate, final


class TestProjectChangePage:
    def test_shows_the_stage_read_only_and_the_transitions_open_to_the_user(self, town):
        project = town.project(Stage.IDEA)
        response = browser(staff(town.user("coordinator"), "view_project", "change_project")).get(change_url(project))

        assert response.status_code == 200
        content = response.content.decode()
        assert '<div class="readonly">Idea</div>' in content
        assert 'name="stage"' not in content
        assert "Submit for assessment" in content

    def test_names_what_blocks_a_transition(self, town):
        project = town.project(Stage.IDEA, description="")
        response = browser(staff(town.user("coordinator"), "change_project")).get(change_url(project))

        assert "The project has no description." in response.content.decode()

    def test_offers_no_save_and_saving_changes_nothing(self, town):
        project = town.project(Stage.IDEA)
        client = browser(staff(town.user("coordinator"), "view_project", "change_project"))
        assert 'name="_save"' not in client.get(change_url(project)).content.decode()

        response = client.post(change_url(project), {"title": "Chytré osvětlení", "stage": "completed"})

        assert response.status_code == 403
        saved = Project.objects.get(pk=project.pk)
        assert (saved.title, saved.stage) == (project.title, Stage.IDEA)
        assert not TransitionRecord.objects.exists()


class TestChangeStageAction:
    def test_asks_for_a_transition_and_a_comment_first(self, town):
        project = town.project(Stage.IDEA)
        client = browser(staff(town.user("coordinator"), "view_project", "change_project"))

        intermediate, _ = run_action(client, changelist_url(Project), "change_stage", [project])

        assert intermediate.status_code == 200
        offered = [name for name, _ in intermediate.context["form"].fields["transition"].choices]
        assert offered == ["submit", "reject", "put_on_hold"]
        assert not TransitionRecord.objects.exists()

    def test_runs_the_transition_through_the_service(self, town):
        project = town.project(Stage.IDEA)
        coordinator = staff(town.user("coordinator"), "view_project", "change_project")
        client = browser(coordinator)

        _, final = run_action(
            client, changelist_url(Project), "change_stage", [project], transition="submit", comment="Ok"
        )

        record = TransitionRecord.objects.get(project=project)
        assert (record.source, record.target, record.actor, record.comment) == ("idea", "assessment", coordinator, "Ok")
        assert Project.objects.get(pk=project.pk).stage == Stage.ASSESSMENT
        assert messages_of(final) == [f"{project.title}: moved to the stage “Assessment”."]

    def test_reports_every_blocker_and_moves_nothing(self, town):
        project = town.project(Stage.IDEA, description="", thematic_area="")
        client = browser(staff(town.user("coordinator"), "view_project", "change_project"))

        _, final = run_action(client, changelist_url(Project), "change_stage", [project], transition="submit")

        assert messages_of(final) == [
            f"{project.title}: The project cannot move yet. The project has no description. No thematic area is set."
        ]
        assert not TransitionRecord.objects.exists()
        assert Project.objects.get(pk=project.pk).stage == Stage.IDEA

    def test_reports_a_refused_transition_per_project(self, town):
        ready, closed = town.project(Stage.IDEA), town.project(Stage.IDEA, description="")
        client = browser(staff(town.user("coordinator"), "view_project", "change_project"))

        _, final = run_action(client, changelist_url(Project), "change_stage", [ready, closed], transition="submit")

        assert sorted(messages_of(final)) == sorted(
            [
                f"{ready.title}: moved to the stage “Assessment”.",
                f"{closed.title}: The project cannot move yet. The project has no description.",
            ]
        )
        assert list(TransitionRecord.objects.values_list("project", flat=True)) == [ready.pk]

    def test_a_gated_transition_waits_for_approval(self, town):
        project = town.project(Stage.ASSESSMENT)
        client = browser(staff(town.user("coordinator"), "view_project"))

        _, final = run_action(
            client, changelist_url(Project), "change_stage", [project], transition="approve_for_funding"
        )

        assert messages_of(final) == [f"{project.title}: the request waits for approval."]
        assert ApprovalRequest.objects.get(project=project).status == ApprovalStatus.PENDING
        assert not TransitionRecord.objects.exists()

    def test_a_transition_without_its_reason_is_refused_in_words(self, town):
        project = town.project(Stage.ASSESSMENT)
        client = browser(staff(town.user("coordinator"), "view_project"))

        _, final = run_action(client, changelist_url(Project), "change_stage", [project], transition="reject")

        assert messages_of(final) == [f"{project.title}: The project cannot move yet. This transition needs a reason."]

    def test_runs_from_the_project_change_page(self, town):
        project = town.project(Stage.IDEA)
        client = browser(staff(town.user("coordinator"), "view_project", "change_project"))

        intermediate, final = run_action(
            client, change_url(project), "change_stage", [project], field=CHANGE_FORM_ACTION, transition="submit"
        )

        assert intermediate.status_code == 200
        assert final.redirect_chain == [(change_url(project), 302)]
        assert TransitionRecord.objects.get(project=project).target == Stage.ASSESSMENT

    def test_an_unknown_transition_is_a_form_error(self, town):
        project = town.project(Stage.IDEA)
        client = browser(staff(town.user("coordinator"), "view_project", "change_project"))

        response = client.post(
            changelist_url(Project),
            {"action": "change_stage", "_selected_action": [project.pk], "confirm": "yes", "transition": "complete"},
        )

        assert response.status_code == 200
        assert response.context["form"].errors["transition"]
        assert not TransitionRecord.objects.exists()


class TestTransitionHistoryAdmin:
    @pytest.fixture
    def record(self, town):
        project = town.project(Stage.IDEA)
        return project_transition(project=project, actor=town.user("manager"), transition="submit").record

    def test_can_be_read(self, superuser, record):
        client = browser(superuser)

        assert client.get(changelist_url(TransitionRecord)).status_code == 200
        response = client.get(change_url(record))
        assert response.status_code == 200
        assert 'name="_save"' not in response.content.decode()

    def test_offers_no_add_change_or_delete(self, superuser, record):
        client = browser(superuser)
        url = change_url(record)

        assert client.get(reverse("admin:workflows_transitionrecord_add")).status_code == 403
        assert client.post(url, {"comment": "přepsáno"}).status_code == 403
        assert client.get(reverse("admin:workflows_transitionrecord_delete", args=[record.pk])).status_code == 403
        listing = client.get(changelist_url(TransitionRecord))
        assert listing.context["action_form"] is None
        assert TransitionRecord.objects.get(pk=record.pk).comment == ""


class TestApprovalActions:
    @pytest.fixture
    def pending(self, town) -> ApprovalRequest:
        """Completing a project: the coordinator's gate."""
        project = town.project(Stage.EVALUATION)
        return project_transition(project=project, actor=town.user("manager"), transition="complete").approval_request

    def test_approving_the_last_missing_approval_runs_the_transition(self, town, pending):
        client = browser(staff(town.user("coordinator"), "view_approvalrequest"))

        intermediate, final = run_action(client, changelist_url(ApprovalRequest), "approve", [pending], comment="Ano")

        assert intermediate.status_code == 200
        pending.refresh_from_db()
        assert pending.status == ApprovalStatus.APPROVED
        record = TransitionRecord.objects.get(approval_request=pending)
        assert (record.target, record.actor) == (Stage.COMPLETED, town.user("coordinator"))
        assert messages_of(final) == [
            f"{pending.project.title} – Complete: approved; the project moved to the stage “Completed”."
        ]

    def test_one_of_two_required_approvals_waits_for_the_other(self, town):
        project = town.project(Stage.FUNDING)
        pending = project_transition(
            project=project, actor=town.user("manager"), transition="start_implementation"
        ).approval_request
        client = browser(staff(town.user("coordinator"), "view_approvalrequest"))

        _, final = run_action(client, changelist_url(ApprovalRequest), "approve", [pending], comment="")

        assert "waits for more approvals" in messages_of(final)[0]
        assert not TransitionRecord.objects.exists()

    def test_someone_who_is_not_an_approver_is_refused(self, town):
        """Approving for funding is the lead department head's: the admin gives the coordinator no more rights."""
        project = town.project(Stage.ASSESSMENT)
        pending = project_transition(
            project=project, actor=town.user("manager"), transition="approve_for_funding"
        ).approval_request
        client = browser(staff(town.user("coordinator"), "view_approvalrequest"))

        _, final = run_action(client, changelist_url(ApprovalRequest), "approve", [pending], comment="")

        assert messages_of(final) == [
            f"{pending.project.title} – Approve for funding: You are not among the approvers of this request."
        ]
        pending.refresh_from_db()
        assert pending.status == ApprovalStatus.PENDING

    def test_rejecting_needs_a_reason(self, town, pending):
        client = browser(staff(town.user("coordinator"), "view_approvalrequest"))
        selection = {"action": "reject", "_selected_action": [pending.pk], "confirm": "yes"}

        without_reason = client.post(changelist_url(ApprovalRequest), {**selection, "comment": " "})
        assert without_reason.status_code == 200
        assert without_reason.context["form"].errors["comment"]

        client.post(changelist_url(ApprovalRequest), {**selection, "comment": "Chybí rozpočet."})
        pending.refresh_from_db()
        assert pending.status == ApprovalStatus.REJECTED
        assert pending.decisions.get().comment == "Chybí rozpočet."
        assert Project.objects.get(pk=pending.project_id).stage == Stage.EVALUATION

    def test_approves_from_the_request_page(self, town, pending):
        client = browser(staff(town.user("coordinator"), "view_approvalrequest"))

        _, final = run_action(
            client, change_url(pending), "approve", [pending], field=CHANGE_FORM_ACTION, comment="Souhlasím"
        )

        assert final.redirect_chain == [(change_url(pending), 302)]
        assert TransitionRecord.objects.get(approval_request=pending).target == Stage.COMPLETED

    def test_the_request_page_shows_its_decisions_read_only(self, town, superuser):
        project = town.project(Stage.FUNDING)
        pending = project_transition(
            project=project, actor=town.user("lead_head"), transition="start_implementation", comment="Odbor souhlasí."
        ).approval_request

        response = browser(superuser).get(change_url(pending))

        assert response.status_code == 200
        content = response.content.decode()
        assert "Odbor souhlasí." in content
        assert 'name="_save"' not in content
        assert 'name="decisions-0-comment"' not in content


class TestScopingToOwnMunicipality:
    def test_a_coordinator_of_another_municipality_sees_nothing_of_the_town(self, town):
        project = town.project(Stage.IDEA, title="Veřejné osvětlení LED")
        client = browser(staff(town.user("other_coordinator"), "view_project", "change_project"))

        listing = client.get(changelist_url(Project))
        assert listing.status_code == 200
        assert "Veřejné osvětlení LED" not in listing.content.decode()
        assert client.get(change_url(project)).status_code == 404

    def test_the_towns_own_coordinator_sees_it(self, town):
        town.project(Stage.IDEA, title="Veřejné osvětlení LED")
        client = browser(staff(town.user("coordinator"), "view_project", "change_project"))

        assert "Veřejné osvětlení LED" in client.get(changelist_url(Project)).content.decode()

    def test_a_project_shared_with_another_municipality_is_still_not_theirs_to_edit(self, town):
        project = town.project(Stage.IDEA, title="Sdílený projekt")
        project.shared_with.add(town.other_municipality)
        client = browser(staff(town.user("other_coordinator"), "view_project", "change_project"))

        assert "Sdílený projekt" not in client.get(changelist_url(Project)).content.decode()

    def test_an_action_on_another_municipalitys_project_moves_nothing(self, town):
        project = town.project(Stage.IDEA)
        client = browser(staff(town.user("other_coordinator"), "view_project", "change_project"))

        run_action(client, changelist_url(Project), "change_stage", [project], transition="submit")

        assert Project.objects.get(pk=project.pk).stage == Stage.IDEA
        assert not TransitionRecord.objects.exists()

    def test_approval_requests_and_history_of_the_town_are_hidden_from_another_municipality(self, town):
        project = town.project(Stage.IDEA)
        project_transition(project=project, actor=town.user("manager"), transition="submit")
        client = browser(staff(town.user("other_coordinator"), "view_transitionrecord", "view_approvalrequest"))

        assert client.get(changelist_url(TransitionRecord)).context["cl"].result_count == 0
        assert client.get(changelist_url(ApprovalRequest)).context["cl"].result_count == 0
