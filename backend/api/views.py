"""REST API v1 views: parse input, call one service or selector, render. Nothing else."""

from collections.abc import Callable

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import Membership, Municipality, User
from backend.accounts.selectors import (
    department_list_visible,
    organization_list_visible,
    user_access,
    user_list_visible,
)
from backend.api import serializers as s
from backend.api.compiled import PageQuery, access_of, access_values
from backend.api.errors import AccountLockedOut
from backend.api.filtering import FilterBackend
from backend.api.pagination import CursorPagination
from backend.api.rows import row_reader
from backend.api.schema import ERROR_DETAIL, HISTORY_BY_VIEWER, PROJECT_BY_VIEWER, TRANSITION_RESPONSES
from backend.api.throttling import AnonRateThrottle, ScopedRateThrottle
from backend.core.errors import NotFound, PermissionDenied
from backend.core.lockout import lockout_message, lockout_reset_on_success, lockout_seconds
from backend.notifications.selectors import notification_list_for, notification_list_of
from backend.notifications.services import notification_mark_all_read, notification_mark_read
from backend.projects import services as project_services
from backend.projects.access import project_access, sees_internals_everywhere
from backend.projects.filtersets import PersonFilterSet, ProjectFilterSet, TaskFilterSet
from backend.projects.models import Project, ProjectPartner
from backend.projects.selectors import (
    comment_list_of_visible,
    comment_list_of_visible_to,
    funding_list_visible,
    kpi_list_visible,
    project_get_visible,
    project_list_visible,
    project_list_visible_to,
    project_one_visible,
    project_one_visible_brief,
    task_list_visible,
    task_list_visible_to,
)
from workflows import selectors as workflow_selectors
from workflows import services as workflow_services
from workflows.filtersets import ApprovalFilterSet
from workflows.models import Decision

# The query parameters a page's compiled SQL allows (``compiled.py``): any other may be a filter or an ordering.
PAGE_PARAMETERS = frozenset({"cursor", "page_size"})


class RowListMixin:
    """``list`` from ``values()`` rows, in the shape of the view's serializer (``backend/api/rows.py``)."""

    def list(self, request: Request, *args, **kwargs) -> Response:
        return self.row_page(lambda: self.filter_queryset(self.get_queryset()), self.get_serializer_class())

    def row_page(
        self,
        queryset: Callable[[], QuerySet],
        serializer_class,
        *,
        values: dict | None = None,
        build: Callable[[dict], QuerySet] | None = None,
        key: tuple = (),
        allowed: frozenset[str] = PAGE_PARAMETERS,
    ) -> Response:
        """The page of ``queryset()``; with ``build`` (the same queryset made from ``values`` or from stand-ins of
        their shape, depending on nothing else) and no query parameter but the ``allowed`` ones (which ``build``
        applies as the view's filters would), from its SQL compiled once per shape (and ``key``)."""
        reader = row_reader(serializer_class)
        ordering = [name.lstrip("-") for name in getattr(self.paginator, "ordering", ())]
        if build is None or not set(self.request.query_params) <= allowed:
            rows = reader.rows(queryset(), *ordering)
        else:
            rows = PageQuery(
                model=serializer_class.Meta.model,
                key=(type(self).__name__, self.action, *key),
                build=lambda given: reader.rows(build(given), *ordering),
                values=values,
                fallback=lambda: reader.rows(queryset(), *ordering),
            )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(reader.represent(page))


class OldestFirstPagination(CursorPagination):
    ordering = ("created_at", "id")


class ByIdPagination(CursorPagination):
    ordering = ("id",)


class ProjectOrderingFilter(OrderingFilter):
    """Partner guests order only by what their shape of a project shows; any other ordering is ignored, as
    unknown orderings are, so that ordering by a hidden field cannot tell them about it."""

    def get_valid_fields(self, queryset, view, context=None):
        fields = super().get_valid_fields(queryset, view, context or {})
        request = (context or {}).get("request")
        if request is None or sees_internals_everywhere(access=user_access(user=request.user)):
            return fields
        shown = set(s.PartnerProjectSerializer.Meta.fields)
        return [(name, label) for name, label in fields if name in shown]


class TokenRequestSerializer(AuthTokenSerializer):
    """DRF's sign-in serializer with the lengths of our user names: nothing longer reaches authentication."""

    username = serializers.CharField(max_length=150, write_only=True)
    password = serializers.CharField(
        max_length=4096, style={"input_type": "password"}, trim_whitespace=False, write_only=True
    )


@extend_schema(
    responses={
        200: inline_serializer("Token", fields={"token": serializers.CharField()}),
        429: OpenApiResponse(
            ERROR_DETAIL,
            description="Too many requests, or too many failed sign-ins of this account from this address: "
            "wait as the Retry-After header says.",
        ),
    }
)
class TokenObtainView(ObtainAuthToken):
    """Exchange a username and password for an API token."""

    serializer_class = TokenRequestSerializer
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    throttle_scope = "token_obtain"

    def post(self, request: Request, *args, **kwargs) -> Response:
        try:
            response = super().post(request, *args, **kwargs)
        except ValidationError:
            # django-axes refused the sign-in before the password was checked (it marks the request it was given).
            if getattr(request, "axes_locked_out", False):
                raise AccountLockedOut(lockout_message(), wait=lockout_seconds()) from None
            raise
        # No login() here, so axes' reset on success has to be asked for, for the name as the serializer cleaned
        # it (trimmed): the failures were counted under that name.
        lockout_reset_on_success(request=request, username=str(request.data.get("username", "")).strip())
        return response


@extend_schema(responses={200: s.MeSerializer})
class MeView(APIView):
    def get(self, request: Request) -> Response:
        # Not type(request.user): under session auth that is Django's lazy wrapper, which has no manager.
        user = User.objects.prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("municipality"))
        ).get(pk=request.user.pk)
        return Response(s.MeSerializer(user).data)


def _partner_view(request: Request, project: Project) -> bool:
    return not project_access(user=request.user, project=project).sees_internals


@extend_schema_view(
    list=extend_schema(responses={200: PROJECT_BY_VIEWER}),
    retrieve=extend_schema(responses={200: PROJECT_BY_VIEWER}),
    create=extend_schema(request=s.ProjectSerializer, responses={201: s.ProjectSerializer}),
    partial_update=extend_schema(request=s.ProjectSerializer, responses={200: s.ProjectSerializer}),
)
class ProjectViewSet(RowListMixin, viewsets.GenericViewSet):
    """Smart City projects the user may see; partners get the partner view of each project."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = s.ProjectSerializer
    filter_backends = [FilterBackend, ProjectOrderingFilter]
    filterset_class = ProjectFilterSet
    ordering_fields = ("title", "created_at", "updated_at", "stage_changed_at")
    queryset = Project.objects.none()

    def get_queryset(self):
        return project_list_visible(user=self.request.user).prefetch_related("departments")

    def get_object(self) -> Project:
        project = project_get_visible(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, project)
        return project

    def _output(self, project: Project | QuerySet[Project]) -> dict:
        """The project in the shape its viewer may see, read from the database as the list reads it (one query,
        no serializer built); a queryset that finds nothing is a 404."""
        reader = s.ProjectRowsForViewer(user=self.request.user)
        queryset = Project.objects.filter(pk=project.pk) if isinstance(project, Project) else project
        rows = list(reader.rows(queryset))
        if not rows:
            raise NotFound(_("Project not found."))
        return reader.represent(rows)[0]

    def list(self, request: Request) -> Response:
        reader = s.ProjectRowsForViewer(user=request.user)
        page = self.paginate_queryset(self._page_rows(reader))
        return self.get_paginated_response(reader.represent(page))

    def _page_rows(self, reader: s.ProjectRowsForViewer):
        """The page's rows; with no filter and no ordering asked for, from SQL compiled once per shape of the
        viewer's roles (``compiled.py``: the visibility filter depends on nothing else)."""
        access = user_access(user=self.request.user)
        if access.is_anonymous or not set(self.request.query_params) <= PAGE_PARAMETERS:
            return reader.rows(self.filter_queryset(self.get_queryset()))
        return PageQuery(
            model=Project,
            key=("projects",),
            build=lambda values: reader.rows(
                project_list_visible_to(access=access_of(values)).prefetch_related("departments")
            ),
            values=access_values(access),
            fallback=lambda: reader.rows(self.filter_queryset(self.get_queryset())),
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._output(project_one_visible(user=request.user, pk=pk)))

    def create(self, request: Request) -> Response:
        serializer = s.ProjectSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("reason", None)  # only corrections of a completed project have one
        project = project_services.project_create(
            actor=request.user, municipality=_municipality_for_new_project(request, data), **data
        )
        return Response(self._output(project), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        if _partner_view(request, project):
            raise PermissionDenied(_("Partners cannot edit projects."))
        serializer = s.ProjectSerializer(
            project, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        project = project_services.project_update(actor=request.user, project=project, **serializer.validated_data)
        return Response(self._output(project))

    @extend_schema(methods=["GET"], responses={200: s.TransitionOptionSerializer(many=True)})
    @extend_schema(methods=["POST"], request=s.TransitionRequestSerializer, responses=TRANSITION_RESPONSES)
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def transitions(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            options = workflow_selectors.transition_options(project=self.get_object(), user=request.user)
            return Response(s.TransitionOptionSerializer(options, many=True).data)
        # The answer is the project as it stands after the move, without reading it a third time: the service's
        # lock read its fields, this first read its departments and measures (which no transition changes), by SQL
        # compiled once per shape of the user's access.
        reader = s.ProjectRowsForViewer(user=request.user)
        project = project_one_visible_brief(
            user=request.user, pk=pk, annotate=reader.annotate, shape="api transition answer"
        )
        self.check_object_permissions(request, project)
        serializer = s.TransitionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = workflow_services.project_transition(
            project=project,
            actor=request.user,
            transition=serializer.validated_data["name"],
            comment=serializer.validated_data["comment"],
            expected_stage=serializer.validated_data.get("expected_stage"),
        )
        if outcome.executed:
            output = reader.represent_one(outcome.project, annotated=project)
            return Response(self._output(outcome.project) if output is None else output)
        return Response(s.ApprovalRequestSerializer(outcome.approval_request).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: HISTORY_BY_VIEWER})
    @action(detail=True, methods=["get"], pagination_class=OldestFirstPagination, filter_backends=[])
    def history(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        serializer_class = s.PartnerHistorySerializer if _partner_view(request, project) else s.HistorySerializer
        page = self.paginate_queryset(workflow_selectors.transition_history(project=project))
        return self.get_paginated_response(serializer_class(page, many=True).data)

    @extend_schema(methods=["GET"], responses={200: s.CommentSerializer(many=True)})
    @extend_schema(methods=["POST"], request=s.CommentSerializer, responses={201: s.CommentSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=OldestFirstPagination, filter_backends=[])
    def comments(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            # The project's visibility is checked in the page's own query; only an empty page asks whether the
            # project is there at all (an empty list, or 404 when it is missing or hidden).
            access = user_access(user=request.user)
            response = self.row_page(
                lambda: comment_list_of_visible(user=request.user, project_pk=pk),
                s.CommentSerializer,
                **self._compiled_comments(access, pk),
            )
            if not response.data["results"] and not project_one_visible(user=request.user, pk=pk).exists():
                raise NotFound(_("Project not found."))
            return response
        project = self.get_object()
        serializer = s.CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = project_services.comment_create(actor=request.user, project=project, **serializer.validated_data)
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _compiled_comments(access, pk: str) -> dict:
        """The comments' page by SQL compiled per shape of the viewer's roles (``comment_list_of_visible_to``
        depends on nothing else); a malformed id, or one beyond the column's range, goes the ORM's way, to its 404."""
        if access.is_anonymous or not pk.isascii() or not pk.isdigit() or len(pk) > 18:
            return {}
        return {
            "values": {**access_values(access), "project": (int(pk),)},
            "build": lambda given: comment_list_of_visible_to(access=access_of(given), project_id=given["project"][0]),
        }

    @extend_schema(methods=["GET"], responses={200: s.ProjectPartnerSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request=s.ProjectPartnerSerializer,
        responses={201: s.ProjectPartnerSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def partners(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        if request.method == "GET":
            queryset = ProjectPartner.objects.filter(project=project).select_related("organization")
            if _partner_view(request, project):
                queryset = queryset.filter(organization_id__in=user_access(user=request.user).partner_of)
            return Response(s.ProjectPartnerSerializer(queryset, many=True, context=self.get_serializer_context()).data)
        if _partner_view(request, project):
            raise PermissionDenied(_("Partners cannot invite partners."))
        serializer = s.ProjectPartnerSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        access = project_services.project_partner_grant(
            actor=request.user, project=project, **serializer.validated_data
        )
        output = s.ProjectPartnerSerializer(access, context=self.get_serializer_context())
        return Response(output.data, status=status.HTTP_201_CREATED)

    def _sub_collection(self, request, project, *, queryset, serializer_class, create, update, item_id):
        """GET/POST on a collection under a project, GET/PATCH on one of its items."""
        if item_id is None:
            if request.method == "GET":
                return Response(serializer_class(queryset, many=True).data)
            serializer = serializer_class(data=request.data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            item = create(actor=request.user, project=project, **serializer.validated_data)
            return Response(serializer_class(item).data, status=status.HTTP_201_CREATED)
        item = get_object_or_404(queryset, pk=item_id)
        if request.method == "GET":
            return Response(serializer_class(item).data)
        serializer = serializer_class(item, data=request.data, partial=True, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        item = update(actor=request.user, item=item, **serializer.validated_data)
        return Response(serializer_class(item).data)

    @extend_schema(methods=["GET"], responses={200: s.FundingSerializer(many=True)})
    @extend_schema(methods=["POST"], request=s.FundingSerializer, responses={201: s.FundingSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def funding(self, request: Request, pk: str, funding_id: str | None = None) -> Response:
        project = self.get_object()
        return self._sub_collection(
            request,
            project,
            queryset=funding_list_visible(user=request.user, project=project),
            serializer_class=s.FundingSerializer,
            create=project_services.funding_create,
            update=lambda *, actor, item, **changes: project_services.funding_update(
                actor=actor, application=item, **changes
            ),
            item_id=funding_id,
        )

    @extend_schema(methods=["GET"], responses={200: s.FundingSerializer})
    @extend_schema(methods=["PATCH"], request=s.FundingSerializer, responses={200: s.FundingSerializer})
    @action(
        detail=True,
        methods=["get", "patch"],
        url_path=r"funding/(?P<funding_id>[0-9]+)",
        pagination_class=None,
        filter_backends=[],
    )
    def funding_item(self, request: Request, pk: str, funding_id: str) -> Response:
        return self.funding(request, pk, funding_id)

    @extend_schema(methods=["GET"], responses={200: s.KpiSerializer(many=True)})
    @extend_schema(methods=["POST"], request=s.KpiSerializer, responses={201: s.KpiSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def kpis(self, request: Request, pk: str, kpi_id: str | None = None) -> Response:
        project = self.get_object()
        return self._sub_collection(
            request,
            project,
            queryset=kpi_list_visible(user=request.user, project=project),
            serializer_class=s.KpiSerializer,
            create=lambda *, actor, project, reason="", **fields: project_services.kpi_create(
                actor=actor, project=project, **fields
            ),
            update=lambda *, actor, item, **changes: project_services.kpi_update(actor=actor, kpi=item, **changes),
            item_id=kpi_id,
        )

    @extend_schema(methods=["GET"], responses={200: s.KpiSerializer})
    @extend_schema(methods=["PATCH"], request=s.KpiSerializer, responses={200: s.KpiSerializer})
    @action(
        detail=True,
        methods=["get", "patch"],
        url_path=r"kpis/(?P<kpi_id>[0-9]+)",
        pagination_class=None,
        filter_backends=[],
    )
    def kpi_item(self, request: Request, pk: str, kpi_id: str) -> Response:
        return self.kpis(request, pk, kpi_id)


def _municipality_for_new_project(request: Request, data: dict):
    """A new project belongs to its lead department's municipality, or to the author's only one."""
    lead_department = data.get("lead_department")
    if lead_department is not None:
        return lead_department.municipality
    access = user_access(user=request.user)
    if len(access.municipality_ids) == 1:
        return Municipality.objects.get(pk=next(iter(access.municipality_ids)))
    if not access.municipality_ids:
        raise PermissionDenied(_("Only municipal staff may create projects."))
    raise ValidationError({"lead_department": [_("You work for several municipalities: choose the lead department.")]})


@extend_schema_view(
    list=extend_schema(responses={200: s.ApprovalRequestSerializer}),
    retrieve=extend_schema(responses={200: s.ApprovalRequestSerializer}),
)
class ApprovalViewSet(RowListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Approval requests the user may decide or made."""

    serializer_class = s.ApprovalRequestSerializer
    filterset_class = ApprovalFilterSet

    def get_queryset(self):
        return workflow_selectors.approval_list_visible(user=self.request.user)

    def _decide(self, request: Request, decision: str) -> Response:
        approval_request = self.get_object()
        input_class = s.ApproveInputSerializer if decision == Decision.APPROVE else s.DecisionInputSerializer
        serializer = input_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = workflow_services.approval_decide(
            approval_request=approval_request, actor=request.user, decision=decision, **serializer.validated_data
        )
        refreshed = self.get_queryset().get(pk=outcome.approval_request.pk)
        return Response(self.get_serializer(refreshed).data)

    @extend_schema(request=s.ApproveInputSerializer, responses={200: s.ApprovalRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        return self._decide(request, Decision.APPROVE)

    @extend_schema(request=s.DecisionInputSerializer, responses={200: s.ApprovalRequestSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        return self._decide(request, Decision.REJECT)

    @extend_schema(request=s.DecisionInputSerializer, responses={200: s.ApprovalRequestSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        """The requester or the coordinator withdraws a pending request (its status becomes ``cancelled``)."""
        serializer = s.DecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        withdrawn = workflow_services.approval_withdraw(
            approval_request=self.get_object(), actor=request.user, comment=serializer.validated_data["comment"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=withdrawn.pk)).data)


@extend_schema_view(
    list=extend_schema(responses={200: s.TaskSerializer}),
    retrieve=extend_schema(responses={200: s.TaskSerializer}),
    create=extend_schema(responses={201: s.TaskSerializer}),
    partial_update=extend_schema(request=s.TaskUpdateSerializer, responses={200: s.TaskSerializer}),
)
class TaskViewSet(
    RowListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = s.TaskSerializer
    filterset_class = TaskFilterSet
    pagination_class = ByIdPagination

    def get_queryset(self):
        return task_list_visible(user=self.request.user)

    def list(self, request: Request, *args, **kwargs) -> Response:
        """With no filter, or ``assignee=me`` alone (the filter set's ``filter_assignee``), from compiled SQL."""
        access = user_access(user=request.user)
        assignee = request.query_params.getlist("assignee")
        if access.is_anonymous or assignee not in ([], ["me"]):
            return super().list(request, *args, **kwargs)
        mine = bool(assignee)

        def build(given: dict) -> QuerySet:
            tasks = task_list_visible_to(access=access_of(given))
            return tasks.filter(assignee_id=given["user_id"][0]) if mine else tasks

        return self.row_page(
            lambda: self.filter_queryset(self.get_queryset()),
            self.get_serializer_class(),
            values=access_values(access),
            build=build,
            key=(mine,),
            allowed=PAGE_PARAMETERS | {"assignee"},
        )

    def perform_create(self, serializer) -> None:
        serializer.instance = project_services.task_create(actor=self.request.user, **serializer.validated_data)

    def partial_update(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        partner = not project_access(user=request.user, project=task.project).sees_internals
        serializer_class = s.PartnerTaskUpdateSerializer if partner else s.TaskUpdateSerializer
        serializer = serializer_class(task, data=request.data, partial=True, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        task = project_services.task_update(actor=request.user, task=task, **serializer.validated_data)
        return Response(s.TaskSerializer(task, context=self.get_serializer_context()).data)


@extend_schema_view(list=extend_schema(responses={200: s.NotificationSerializer}))
class NotificationViewSet(RowListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The current user's notifications, newest first."""

    serializer_class = s.NotificationSerializer

    def get_queryset(self):
        return notification_list_for(user=self.request.user)

    def list(self, request: Request, *args, **kwargs) -> Response:
        if not request.user.is_authenticated:
            return super().list(request, *args, **kwargs)
        return self.row_page(
            lambda: self.filter_queryset(self.get_queryset()),
            self.get_serializer_class(),
            values={"user_id": (request.user.pk,)},
            build=lambda given: notification_list_of(recipient_id=given["user_id"][0]),
        )

    @extend_schema(request=None, responses={200: s.NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        notification = notification_mark_read(notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("MarkedRead", fields={"marked_read": serializers.IntegerField()}),
        },
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked_read": notification_mark_all_read(user=request.user)})


@extend_schema_view(list=extend_schema(responses={200: s.DepartmentSerializer}))
class DepartmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.DepartmentSerializer
    pagination_class = ByIdPagination

    def get_queryset(self):
        return department_list_visible(user=self.request.user)


@extend_schema_view(list=extend_schema(responses={200: s.OrganizationSerializer}))
class OrganizationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.OrganizationSerializer
    pagination_class = ByIdPagination

    def get_queryset(self):
        return organization_list_visible(user=self.request.user)


@extend_schema_view(list=extend_schema(responses={200: s.UserSummarySerializer}))
class UserViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.UserSummarySerializer
    pagination_class = ByIdPagination
    filterset_class = PersonFilterSet

    def get_queryset(self):
        return user_list_visible(user=self.request.user)
