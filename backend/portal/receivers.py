"""The portal hears of a project's changes in the transaction that made them: it queues its followers' news. (The
town's public figures are summed again after a change: ``backend.projects.receivers``.)"""

from django.dispatch import receiver

from backend.portal.subscriptions import follow_news_for_event, follow_news_for_update
from backend.projects.signals import event_recorded, project_update_published


@receiver(event_recorded, dispatch_uid="portal_follow_news_of_event")
def news_of_event(sender, event, **kwargs) -> None:
    follow_news_for_event(event=event)


@receiver(project_update_published, dispatch_uid="portal_follow_news_of_update")
def news_of_update(sender, update, **kwargs) -> None:
    follow_news_for_update(update=update)
