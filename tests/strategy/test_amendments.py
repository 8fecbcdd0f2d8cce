"""Amendments: anyone of the municipality proposes, the approvers of the ``amend_strategy`` policy decide, an
approved amendment writes the next revision and a version of each item it touched; history is never edited."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from backend.core.errors import PermissionDenied
from backend.strategy.history import strategy_changelog, strategy_diff
from backend.strategy.models import ItemKind, ItemVersion, Measure, Revision, StrategyStatus
from backend.strategy.services import ChangeSpec, amendment_decide, amendment_propose, amendment_resolution_record
from workflows.models import AMEND_STRATEGY, ApprovalPolicy, ImmutableRecordError

RENAME = {"title": "Zateplení a výměna oken budov města"}


def _propose(town, strategy, measures, role="staff", **data):
    return amendment_propose(
        actor=town.user(role),
        strategy=strategy,
        title="Rozšíření opatření 1.1.1",
        reason="Okna jsou největší ztrátou tepla.",
        changes=[ChangeSpec(action="change", kind=ItemKind.MEASURE, item_id=measures["1.1.1"].pk, data=data or RENAME)],
    )


def test_adoption_is_revision_one_with_every_item(strategy):
    assert strategy.status == StrategyStatus.IN_FORCE
    assert list(Revision.objects.filter(strategy=strategy).values_list("number", "resolution_number")) == [
        (1, "ZM 12/2024")
    ]
    assert strategy.resolution_text == "usnesení zastupitelstva č. ZM 12/2024 ze dne 4. 3. 2024"
    kinds = sorted(ItemVersion.objects.filter(strategy=strategy, revision=1).values_list("kind", flat=True))
    assert kinds == ["goal"] * 3 + ["indicator"] + ["measure"] * 3


def test_staff_proposes_and_the_coordinator_approves(town, strategy, measures):
    amendment = _propose(town, strategy, measures)
    strategy.refresh_from_db()
    assert (amendment.status, strategy.status, strategy.revision) == ("pending", "under_amendment", 1)
    assert Measure.objects.get(code="1.1.1").title == "Zateplení budov města"  # nothing applied yet

    amendment_decide(actor=town.user("coordinator"), amendment=amendment, decision="approve")

    strategy.refresh_from_db()
    amendment.refresh_from_db()
    assert (amendment.status, strategy.status, strategy.revision) == ("approved", "in_force", 2)
    assert Measure.objects.get(code="1.1.1").title == RENAME["title"]
    # The measure's department was left out of the change and stays.
    assert Measure.objects.get(code="1.1.1").responsible_department == town.env
    latest = strategy_changelog(strategy=strategy)[0]
    assert latest.revision.number == 2 and latest.revision.amendment == amendment
    assert [(c.code, c.change, [(f.before, f.after) for f in c.fields]) for c in latest.changes] == [
        ("1.1.1", "changed", [("Zateplení budov města", RENAME["title"])])
    ]
    diff = strategy_diff(strategy=strategy, before=1, after=2)
    assert [(c.kind, c.code, c.change) for c in diff] == [("measure", "1.1.1", "changed")]


def test_adding_and_retiring_show_in_the_diff(town, strategy, measures):
    coordinator = town.user("coordinator")
    amendment = amendment_propose(
        actor=town.user("manager"),
        strategy=strategy,
        title="Nové opatření, zrušené opatření",
        reason="Změna priorit.",
        changes=[
            ChangeSpec(action="add", kind=ItemKind.MEASURE, data={"code": "2.2", "title": "Sdílená kola", "goal": "2"}),
            ChangeSpec(action="retire", kind=ItemKind.MEASURE, item_id=measures["2.1"].pk),
        ],
    )
    amendment_decide(actor=coordinator, amendment=amendment, decision="approve")
    diff = strategy_diff(strategy=strategy, before=1, after=2)
    assert [(c.code, c.change) for c in diff] == [("2.1", "retired"), ("2.2", "added")]
    assert Measure.objects.get(code="2.1").is_retired


def test_the_head_of_the_measures_department_approves_where_the_policy_says_so(town, strategy, measures):
    ApprovalPolicy.objects.create(
        municipality=town.municipality, transition=AMEND_STRATEGY, lead_head_approves=True, required_approvals=1
    )
    amendment = _propose(town, strategy, measures)
    with pytest.raises(PermissionDenied):
        amendment_decide(actor=town.user("other_head"), amendment=amendment, decision="approve")
    with pytest.raises(PermissionDenied):
        amendment_decide(actor=town.user("coordinator"), amendment=amendment, decision="approve")
    amendment_decide(actor=town.user("lead_head"), amendment=amendment, decision="approve")
    amendment.refresh_from_db()
    assert amendment.status == "approved"


def test_the_proposer_does_not_approve_their_own_amendment(town, strategy, measures):
    amendment = _propose(town, strategy, measures, role="coordinator")
    with pytest.raises(PermissionDenied, match="někdo jiný"):
        amendment_decide(actor=town.user("coordinator"), amendment=amendment, decision="approve")
    # The council's resolution is not the coordinator's own approval: recording it applies the amendment.
    amendment_resolution_record(
        actor=town.user("coordinator"),
        amendment=amendment,
        resolution_body="board",
        resolution_number="RM 45/2025",
        resolution_date=date(2025, 6, 16),
    )
    revision = Revision.objects.get(strategy=strategy, number=2)
    assert revision.resolution_text == "usnesení rady č. RM 45/2025 ze dne 16. 6. 2025"


@pytest.mark.parametrize("role", ["partner", "other_coordinator"])
def test_outsiders_cannot_propose(town, strategy, measures, role):
    with pytest.raises(PermissionDenied):
        _propose(town, strategy, measures, role=role)


def test_a_rejection_needs_a_reason_and_changes_nothing(town, strategy, measures):
    amendment = _propose(town, strategy, measures)
    with pytest.raises(ValidationError):
        amendment_decide(actor=town.user("coordinator"), amendment=amendment, decision="reject")
    amendment_decide(actor=town.user("coordinator"), amendment=amendment, decision="reject", comment="Nepatří sem.")
    strategy.refresh_from_db()
    assert (strategy.status, strategy.revision) == ("in_force", 1)
    assert Measure.objects.get(code="1.1.1").title == "Zateplení budov města"


def test_an_invalid_change_is_refused_at_proposal_and_nothing_is_saved(town, strategy, measures):
    with pytest.raises(ValidationError) as error:
        _propose(town, strategy, measures, code="1.1.2")  # the code of another measure
    assert error.value.messages == ["Strategie už má opatření s tímto kódem."]
    strategy.refresh_from_db()
    assert strategy.status == "in_force" and not strategy.amendments.exists()
    assert Measure.objects.get(pk=measures["1.1.1"].pk).code == "1.1.1"


def test_a_goal_with_measures_cannot_be_retired(town, strategy):
    goal = strategy.goals.get(code="2")
    with pytest.raises(ValidationError, match="Nejprve vyřaďte"):
        amendment_propose(
            actor=town.user("staff"),
            strategy=strategy,
            title="Zrušit cíl 2",
            reason="Duplicitní.",
            changes=[ChangeSpec(action="retire", kind=ItemKind.GOAL, item_id=goal.pk)],
        )


def test_history_is_never_edited_or_deleted(strategy):
    version = ItemVersion.objects.filter(strategy=strategy).first()
    version.data = {"title": "přepsáno"}
    with pytest.raises(ImmutableRecordError):
        version.save()
    with pytest.raises(ImmutableRecordError):
        ItemVersion.objects.filter(strategy=strategy).update(data={})
    with pytest.raises(ImmutableRecordError):
        Revision.objects.filter(strategy=strategy).delete()
