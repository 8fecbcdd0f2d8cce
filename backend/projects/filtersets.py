"""Project filters shared by the REST API and the web UI (one definition, as NetBox does)."""

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.core.filters import BooleanFilter, IdFilter
from backend.projects.choices import OPEN_TASK_STATUSES, TaskStatus, ThematicArea
from backend.projects.models import Project, Task
from backend.projects.selectors import mention_candidates, project_list_visible
from backend.projects.stages import Stage


class ProjectFilterSet(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices, label=_("stage"))
    thematic_area = django_filters.MultipleChoiceFilter(choices=ThematicArea.choices, label=_("thematic area"))
    lead_department = IdFilter(field_name="lead_department_id", label=_("lead department"))
    search = django_filters.CharFilter(method="filter_search", label=_("search"), max_length=200)
    # "My projects": the ones I manage, created or watch (the projects whose news reach me). "true" filters;
    # "false" or nothing leaves the list whole.
    mine = BooleanFilter(method="filter_mine", label=_("my projects (I manage, created or watch)"))
    # An open or in-progress task of the project is assigned to me.
    assigned_to_me = BooleanFilter(method="filter_assigned_to_me", label=_("with an open task assigned to me"))

    class Meta:
        model = Project
        fields = ("stage", "thematic_area", "lead_department", "search", "mine", "assigned_to_me")

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(summary__icontains=value))

    def _user_id(self) -> int | None:
        return getattr(getattr(self.request, "user", None), "pk", None)

    def filter_mine(self, queryset, name, value):
        if not value:
            return queryset
        user_id = self._user_id()
        watched = Project.watchers.through.objects.filter(user_id=user_id).values("project_id")
        return queryset.filter(Q(manager_id=user_id) | Q(author_id=user_id) | Q(pk__in=watched))

    def filter_assigned_to_me(self, queryset, name, value):
        if not value:
            return queryset
        tasks = Task.objects.filter(assignee_id=self._user_id(), status__in=OPEN_TASK_STATUSES)
        return queryset.filter(pk__in=tasks.values("project_id"))


class TaskFilterSet(django_filters.FilterSet):
    project = IdFilter(field_name="project_id", label=_("project"))
    assignee = django_filters.CharFilter(
        method="filter_assignee",
        label=_("assignee (an id or “me”)"),
        validators=[RegexValidator(r"^(me|[0-9]{1,18})$", _("Give a person's id or “me”."))],
    )
    status = django_filters.MultipleChoiceFilter(choices=TaskStatus.choices, label=_("status"))

    class Meta:
        model = Task
        fields = ("project", "assignee", "status")

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee_id=getattr(self.request.user, "pk", None))
        return queryset.filter(assignee_id=int(value))


class PersonFilterSet(django_filters.FilterSet):
    """``project``: instead of everyone the user may see, the people they may @mention on that project
    (a partner guest: its manager and the people on their tasks). A project they may not see: nobody."""

    project = IdFilter(method="filter_project", label=_("project (the people one may mention on it)"))

    class Meta:
        model = User
        fields = ("project",)

    def filter_project(self, queryset, name, value):
        user = self.request.user
        project = project_list_visible(user=user).filter(pk=value).first()
        if project is None:
            return queryset.none()
        return mention_candidates(user=user, project=project)
