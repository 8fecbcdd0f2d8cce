"""Web UI routes. Each screen's views and routes live in their own module under backend.web.views."""

from django.contrib.auth import views as auth_views
from django.urls import path

from backend.web.views import (
    account,
    approvals,
    attachments,
    audit,
    board,
    dashboard,
    notifications,
    partners,
    people,
    profile,
    project_detail,
    projects,
    sharing,
    tasks,
)

app_name = "web"
urlpatterns = [
    path("login/", account.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    *dashboard.urlpatterns,
    *board.urlpatterns,
    *projects.urlpatterns,
    *project_detail.urlpatterns,
    *approvals.urlpatterns,
    *tasks.urlpatterns,
    *notifications.urlpatterns,
    *audit.urlpatterns,
    *profile.urlpatterns,
    *people.urlpatterns,
    *partners.urlpatterns,
    *sharing.urlpatterns,
    *attachments.urlpatterns,
]
