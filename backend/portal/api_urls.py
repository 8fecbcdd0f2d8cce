"""Routes of the public API, under ``/api/v1/public/`` (named ``api:public_*``)."""

from django.urls import path

from backend.portal import api

urlpatterns = [
    path("portals/", api.PortalListView.as_view(), name="public_portals"),
    path("portals/<slug:slug>/projects/", api.PublicProjectListView.as_view(), name="public_projects"),
    path("portals/<slug:slug>/projects/<int:pk>/", api.PublicProjectDetailView.as_view(), name="public_project"),
    path("portals/<slug:slug>/updates/", api.PublicUpdateListView.as_view(), name="public_updates"),
]
