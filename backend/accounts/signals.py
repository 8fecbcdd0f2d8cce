"""Announcements of accounts that other apps may listen to (notifications sends the invitation mail)."""

from django.dispatch import Signal

# Sent inside the transaction that wrote the invitation, with ``invitation``; its mail goes out after commit.
invitation_recorded = Signal()
