"""The project detail screen: tabs as HTMX fragments (full pages without JavaScript), the transition panel,
and the forms of each tab. Views parse input, call one service or selector, and render.

``page``        who is looking (``Viewer``), the tabs, the panel's rows, and the answers every view shares
``tabs``        the overview and the other tabs
``transition``  the transition panel's button
``overview``    the overview's edit forms
``tasks``, ``comments``, ``items`` (funding and KPIs)  what each tab writes
"""

from django.urls import path, re_path

from backend.web.views.project_detail.comments import project_comment_create, project_mention_search
from backend.web.views.project_detail.items import (
    project_funding_create,
    project_funding_update,
    project_kpi_create,
    project_kpi_update,
)
from backend.web.views.project_detail.overview import project_edit, project_edit_part
from backend.web.views.project_detail.page import EDIT_PARTS, TABS
from backend.web.views.project_detail.tabs import project_detail, project_tab
from backend.web.views.project_detail.tasks import project_task_create, project_task_edit, project_task_status
from backend.web.views.project_detail.transition import project_transition_view

_TAB_PATTERN = "|".join(TABS)

urlpatterns = [
    path("projects/<int:pk>/", project_detail, name="project_detail"),
    path("projects/<int:pk>/transition/", project_transition_view, name="project_transition"),
    path("projects/<int:pk>/edit/", project_edit, name="project_edit"),
    re_path(
        rf"^projects/(?P<pk>[0-9]+)/edit/(?P<part>{'|'.join(EDIT_PARTS)})/$",
        project_edit_part,
        name="project_edit_part",
    ),
    path("projects/<int:pk>/tasks/new/", project_task_create, name="project_task_create"),
    path("projects/<int:pk>/tasks/<int:task_id>/edit/", project_task_edit, name="project_task_edit"),
    path("projects/<int:pk>/tasks/<int:task_id>/status/", project_task_status, name="project_task_status"),
    path("projects/<int:pk>/comments/new/", project_comment_create, name="project_comment_create"),
    path("projects/<int:pk>/mentions/", project_mention_search, name="project_mention_search"),
    path("projects/<int:pk>/funding/new/", project_funding_create, name="project_funding_create"),
    path("projects/<int:pk>/funding/<int:item_id>/edit/", project_funding_update, name="project_funding_update"),
    path("projects/<int:pk>/kpis/new/", project_kpi_create, name="project_kpi_create"),
    path("projects/<int:pk>/kpis/<int:item_id>/edit/", project_kpi_update, name="project_kpi_update"),
    # Only the known tab names: the routes above and other screens' routes never fall into it.
    re_path(rf"^projects/(?P<pk>[0-9]+)/(?P<tab>{_TAB_PATTERN})/$", project_tab, name="project_tab"),
]
