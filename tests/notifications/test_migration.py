"""Invitation mails move into the one outbox with their sending state, and back when the migration is reversed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("accounts", "0009_single_line_codes"), ("notifications", "0005_preference_kind_evaluation_corrected")]
AFTER = [("accounts", "0010_invitation_mail_in_the_outbox"), ("notifications", "0006_delivery_for_every_mail")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def migrator():
    """Leaves the database at the latest migrations, as the other tests expect it."""
    yield _migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _invitation(apps, email: str, **sending):
    Municipality = apps.get_model("accounts", "Municipality")
    PartnerOrganization = apps.get_model("accounts", "PartnerOrganization")
    town = Municipality.objects.get_or_create(name="Město Vzorov", ico="00291536", region="vysocina")[0]
    organization = PartnerOrganization.objects.get_or_create(municipality=town, name="Zelený Vzorov")[0]
    Invitation = apps.get_model("accounts", "Invitation")
    return Invitation.objects.create(
        email=email, organization=organization, expires_at=timezone.now() + timedelta(days=7), **sending
    )


@pytest.mark.django_db(transaction=True)
def test_invitation_mails_keep_their_state_in_the_outbox_and_go_back(migrator, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 6
    apps = migrator(BEFORE)
    sent_at = timezone.now() - timedelta(hours=1)
    retry_at = timezone.now() + timedelta(minutes=5)
    sent = _invitation(apps, "sent@example.org", sent_at=sent_at, send_attempts=1)
    waiting = _invitation(apps, "waiting@example.org", send_attempts=2, next_attempt_at=retry_at, last_error="SMTP")
    given_up = _invitation(apps, "lost@example.org", send_attempts=6, last_error="refused")

    apps = migrator(AFTER)
    Delivery = apps.get_model("notifications", "Delivery")
    rows = {
        row.object_id: (row.status, row.attempts, row.next_attempt_at, row.last_error, row.sent_at)
        for row in Delivery.objects.filter(kind="invitation")
    }
    assert rows == {
        sent.pk: ("sent", 1, None, "", sent_at),
        waiting.pk: ("pending", 2, retry_at, "SMTP", None),
        given_up.pk: ("failed", 6, None, "refused", None),
    }

    apps = migrator(BEFORE)
    Invitation = apps.get_model("accounts", "Invitation")
    back = {i.pk: (i.sent_at, i.send_attempts, i.next_attempt_at, i.last_error) for i in Invitation.objects.all()}
    assert back == {
        sent.pk: (sent_at, 1, None, ""),
        waiting.pk: (None, 2, retry_at, "SMTP"),
        given_up.pk: (None, 6, None, "refused"),
    }
