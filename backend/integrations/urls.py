"""Web routes of the integrations: webhooks (coordinator), calendar feeds, spreadsheets."""

from django.urls import path

from backend.integrations import views, views_calendar, views_calls, views_spreadsheets

app_name = "integrations"
urlpatterns = [
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:pk>/rotate-secret/", views.webhook_rotate, name="webhook_rotate"),
    path("webhooks/<int:pk>/test/", views.webhook_test, name="webhook_test"),
    path("webhooks/<int:pk>/toggle/", views.webhook_toggle, name="webhook_toggle"),
    path("webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook_delete"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_id>/redeliver/",
        views.webhook_redeliver,
        name="webhook_redeliver",
    ),
    path("projects/export.xlsx", views_spreadsheets.project_export_xlsx, name="project_export_xlsx"),
    path("projects/import/", views_spreadsheets.project_import, name="project_import"),
    path("projects/<int:pk>/calendar/", views_calendar.project_calendar, name="project_calendar"),
    path("calls/", views_calls.call_list, name="calls"),
    path("calls/<int:pk>/", views_calls.call_edit, name="call_edit"),
    path("programmes/", views_calls.programme_list, name="programmes"),
    path("programmes/<int:pk>/active/", views_calls.programme_active, name="programme_active"),
    path("projects/<int:pk>/calls/", views_calls.project_calls, name="project_calls"),
    path("calendar/new/", views_calendar.feed_regenerate, name="calendar_regenerate"),
    path("calendar/revoke/", views_calendar.feed_revoke, name="calendar_revoke"),
    path("calendar/<str:token>.ics", views_calendar.personal_feed, name="calendar_personal"),
    path("calendar/<str:token>/projects/<int:pk>.ics", views_calendar.project_feed, name="calendar_project"),
]
