"""Routes of the public portal (``/obec/...``) and of the staff page that decides what of a project is public."""

from django.urls import path

from backend.portal import consultations, feeds, idea_views, places, staff, views, views_subscriptions

app_name = "portal"
urlpatterns = [
    path("obec/", views.home, name="home"),
    path("obec/jazyk/", views.language, name="language"),
    path("obec/<slug:slug>/", views.municipality, name="municipality"),
    path("obec/<slug:slug>/projekty/<int:pk>/", views.project, name="project"),
    path("obec/<slug:slug>/soubory/<int:pk>/", views.attachment, name="attachment"),
    path("obec/<slug:slug>/aktuality.atom", feeds.UpdatesFeed(), name="updates_feed"),
    path("obec/<slug:slug>/projekty.json", feeds.projects_json, name="projects_json"),
    path("obec/<slug:slug>/projekty.csv", feeds.projects_csv, name="projects_csv"),
    path("obec/<slug:slug>/milniky.json", feeds.milestones_json, name="milestones_json"),
    path("obec/<slug:slug>/milniky.csv", feeds.milestones_csv, name="milestones_csv"),
    path("obec/<slug:slug>/podnety.json", feeds.ideas_json, name="ideas_json"),
    path("obec/<slug:slug>/podnety.csv", feeds.ideas_csv, name="ideas_csv"),
    path("obec/<slug:slug>/katalog.jsonld", feeds.catalog, name="catalog"),
    path("obec/<slug:slug>/katalog/<slug:dataset>.jsonld", feeds.catalog_dataset, name="catalog_dataset"),
    path("obec/<slug:slug>/mista/", places.places, name="places"),
    path("obec/<slug:slug>/mista.json", places.points_json, name="points_json"),
    path("obec/podnety/potvrdit/<str:token>/", idea_views.idea_confirm_view, name="idea_confirm"),
    path("obec/odber/potvrdit/<str:token>/", views_subscriptions.follow_confirm_view, name="follow_confirm"),
    path("obec/odber/odhlasit/<str:token>/", views_subscriptions.unsubscribe, name="unsubscribe"),
    path("obec/odber/<str:token>/", views_subscriptions.subscriptions, name="subscriptions"),
    path("obec/odber/<str:token>/zrusit/", views_subscriptions.subscriptions_cancel, name="subscriptions_cancel"),
    path("obec/<slug:slug>/projekty/<int:pk>/sledovat/", views_subscriptions.follow, name="follow"),
    path("obec/<slug:slug>/podnety/", idea_views.idea_list, name="ideas"),
    path("obec/<slug:slug>/podnety/novy/", idea_views.idea_new, name="idea_new"),
    path("obec/<slug:slug>/podnety/dekujeme/", idea_views.idea_thanks, name="idea_thanks"),
    path("obec/<slug:slug>/podnety/<int:pk>/", idea_views.idea_detail, name="idea"),
    path("obec/<slug:slug>/podnety/<int:pk>/foto/", idea_views.idea_photo, name="idea_photo"),
    path("obec/<slug:slug>/podnety/<int:pk>/podporit/", idea_views.idea_support, name="idea_support"),
    path("obec/podnety/podpora/<str:token>/", idea_views.idea_support_confirm_view, name="idea_support_confirm"),
    path("obec/<slug:slug>/pripominky/", consultations.consultation_list, name="consultations"),
    path("obec/<slug:slug>/pripominky/<int:pk>/", consultations.consultation_detail, name="consultation"),
    path(
        "obec/<slug:slug>/pripominky/<int:pk>/komentar/",
        consultations.consultation_comment,
        name="consultation_comment",
    ),
    path(
        "obec/pripominky/potvrdit/<str:token>/",
        consultations.consultation_comment_confirm_view,
        name="consultation_comment_confirm",
    ),
    path("ideas/", idea_views.idea_queue, name="idea_queue"),
    path("ideas/<int:pk>/decide/", idea_views.idea_decide, name="idea_decide"),
    path("ideas/<int:pk>/photo/", idea_views.idea_photo_moderated, name="idea_photo_moderated"),
    path("ideas/<int:pk>/comments/", idea_views.idea_comment, name="idea_comment"),
    path("ideas/<int:pk>/goal/", idea_views.idea_goal, name="idea_goal"),
    path("projects/<int:pk>/public/", staff.project_public, name="project_public"),
    path(
        "projects/<int:pk>/public/updates/<int:update_id>/withdraw/",
        staff.project_update_withdraw_view,
        name="project_update_withdraw",
    ),
]
