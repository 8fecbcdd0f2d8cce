"""Announcements other apps may listen to without the writers knowing them (notifications does)."""

from django.dispatch import Signal

# Sent inside the transaction that wrote the event, with ``event``; receivers that write must write there too.
event_recorded = Signal()

# Sent inside the transaction that published a public update of a project, with ``update`` (the portal tells the
# project's followers).
project_update_published = Signal()
