"""Public consultation of an amendment: confirmed and moderated comments, answered by the proposer, and no
decision while the consultation runs or a comment waits for its answer."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from backend.core.errors import NotFound, PermissionDenied
from backend.strategy.consultation import (
    consultation_comment_answer,
    consultation_comment_confirm,
    consultation_comment_moderate,
    consultation_comment_submit,
    consultation_open,
)
from backend.strategy.models import ItemKind
from backend.strategy.services import ChangeSpec, amendment_decide, amendment_propose


@pytest.fixture
def amendment(town, strategy, measures):
    return amendment_propose(
        actor=town.user("manager"),
        strategy=strategy,
        title="Rozšíření 2.1",
        reason="Cyklisté.",
        changes=[
            ChangeSpec(action="change", kind=ItemKind.MEASURE, item_id=measures["2.1"].pk, data={"title": "Nové"})
        ],
    )


def _open(town, amendment, days=14):
    today = timezone.localdate()
    return consultation_open(
        actor=town.user("manager"), amendment=amendment, starts_on=today, ends_on=today + timedelta(days=days)
    )


def test_a_comment_is_confirmed_moderated_answered_and_then_the_amendment_decided(town, amendment):
    consultation = _open(town, amendment)
    comment, token = consultation_comment_submit(
        consultation=consultation, author_name="Jan Občan", email="jan@example.org", body="Chybí přechody."
    )
    assert comment.status == "unconfirmed" and token not in comment.token_hash
    comment = consultation_comment_confirm(token=token)
    assert comment.status == "pending"
    with pytest.raises(PermissionDenied):
        consultation_comment_moderate(actor=town.user("staff"), comment=comment, publish=True)
    consultation_comment_moderate(actor=town.user("coordinator"), comment=comment, publish=True)

    with pytest.raises(ValidationError, match="veřejném projednání do"):
        amendment_decide(actor=town.user("coordinator"), amendment=amendment, decision="approve")
    consultation.ends_on = consultation.starts_on = timezone.localdate() - timedelta(days=1)
    consultation.save()
    with pytest.raises(ValidationError, match="odpovězte"):
        amendment_decide(actor=town.user("coordinator"), amendment=amendment, decision="approve")

    with pytest.raises(PermissionDenied):
        consultation_comment_answer(actor=town.user("coordinator"), comment=comment, answer="Doplníme.")
    consultation_comment_answer(actor=town.user("manager"), comment=comment, answer="Přechody doplníme.")
    amendment_decide(actor=town.user("coordinator"), amendment=amendment, decision="approve")
    amendment.refresh_from_db()
    assert amendment.status == "approved"


def test_comments_outside_the_period_and_forged_links_are_refused(town, amendment):
    consultation = _open(town, amendment)
    with pytest.raises(ValidationError):
        consultation_comment_submit(
            consultation=consultation,
            author_name="Jan",
            email="jan@example.org",
            body="Pozdě.",
            today=consultation.ends_on + timedelta(days=1),
        )
    with pytest.raises(NotFound):
        consultation_comment_confirm(token="vymyšlený")


def test_only_the_proposer_or_the_coordinator_opens_a_consultation(town, amendment):
    with pytest.raises(PermissionDenied):
        consultation_open(
            actor=town.user("staff"), amendment=amendment, starts_on=date(2026, 1, 1), ends_on=date(2026, 1, 31)
        )
    with pytest.raises(ValidationError):
        consultation_open(
            actor=town.user("coordinator"), amendment=amendment, starts_on=date(2026, 2, 1), ends_on=date(2026, 1, 1)
        )
