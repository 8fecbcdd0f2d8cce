"""Approval request filters shared by the REST API and the web UI."""

import django_filters
from django.utils.translation import gettext_lazy as _

from backend.core.filters import IdFilter
from workflows.models import ApprovalRequest, ApprovalStatus


class ApprovalFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ApprovalStatus.choices, label=_("status"))
    project = IdFilter(field_name="project_id", label=_("project"))

    class Meta:
        model = ApprovalRequest
        fields = ("status", "project")
