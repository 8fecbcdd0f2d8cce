"""Serializers: input parsing and output shape only. Business rules live in services."""

from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from backend.accounts.models import Department, Membership, PartnerOrganization, User
from backend.accounts.selectors import (
    department_list_visible,
    organization_list_visible,
    user_access,
    user_list_visible,
)
from backend.api.rows import row_reader
from backend.core.resolutions import ResolutionBody
from backend.core.resolutions import resolution_text as cited_resolution
from backend.notifications.models import Notification
from backend.projects.access import sees_internals_in
from backend.projects.models import Comment, FundingApplication, Kpi, Project, ProjectPartner, Task
from backend.projects.selectors import project_list_visible
from backend.projects.stages import Stage
from backend.strategy.models import Measure
from workflows.models import (
    ApprovalDecision,
    ApprovalRequest,
    TransitionRecord,
    approval_is_escalated,
    approver_roles_of,
)

MAX_TEXT = 20_000


def correction_reason_field() -> serializers.CharField:
    return serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=MAX_TEXT,
        help_text=_("Why the evaluation of a completed project is corrected; required for such a correction."),
    )


class StrictInputMixin:
    """Unknown and read-only fields in the input are an error, not silently dropped."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            refused = {name: [_("Unknown field.")] for name in data if name not in self.fields}
            refused.update(
                {
                    name: [_("This field cannot be changed.")]
                    for name in data
                    if name in self.fields and name not in writable
                }
            )
            if refused:
                raise serializers.ValidationError(refused)
        return super().to_internal_value(data)


class FieldsAnewMixin:
    """Each instance's fields made anew from the arguments the declared ones were made with, not deep copies of them
    (DRF's ``get_fields``): for a serializer on a hot path whose fields take no argument that a field changes (the
    transition request: its copies, choices and help texts deep-copied, were a twentieth of a transition's CPU)."""

    def get_fields(self):
        return {name: type(field)(*field._args, **field._kwargs) for name, field in self._declared_fields.items()}


class ScopedQuerysetsMixin:
    """Related ids are looked up among what the requesting user may see: other tenants' ids are invalid."""

    scoped_fields: dict[str, str] = {}

    def get_fields(self):
        fields = super().get_fields()
        # Output never looks related ids up: the scoped querysets are built only for a serializer given input.
        if not hasattr(self.root, "initial_data"):
            return fields
        user = self.context["request"].user
        selectors = {
            "departments": lambda: department_list_visible(user=user),
            "users": lambda: user_list_visible(user=user),
            "organizations": lambda: organization_list_visible(user=user),
            "projects": lambda: project_list_visible(user=user),
            "measures": lambda: Measure.objects.filter(municipality__in=user_access(user=user).municipality_ids),
        }
        for name, kind in self.scoped_fields.items():
            field = fields.get(name)
            if field is None or field.read_only:
                continue
            target = field.child_relation if isinstance(field, serializers.ManyRelatedField) else field
            target.queryset = selectors[kind]()
        return fields


def _full_name(first_name: str, last_name: str, username: str) -> str:
    """``User.get_full_name() or username``, from the three columns (list pages read no User objects)."""
    return f"{first_name} {last_name}".strip() or username


class UserSummarySerializer(serializers.ModelSerializer):
    full_name = serializers.SerializerMethodField()
    row_computed = {"full_name": (("first_name", "last_name", "username"), _full_name)}

    class Meta:
        model = User
        fields = ("id", "username", "full_name")

    def get_full_name(self, user: User) -> str:
        return _full_name(user.first_name, user.last_name, user.username)


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ("id", "code", "name", "municipality")


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartnerOrganization
        fields = ("id", "name", "kind", "ico", "website")


class MembershipSerializer(serializers.ModelSerializer):
    municipality_name = serializers.CharField(source="municipality.name", read_only=True)

    class Meta:
        model = Membership
        fields = ("role", "municipality", "municipality_name", "department", "organization")


class MeSerializer(serializers.ModelSerializer):
    full_name = serializers.SerializerMethodField()
    roles = MembershipSerializer(source="memberships", many=True, read_only=True)

    class Meta:
        model = User
        fields = ("id", "username", "full_name", "email", "language", "roles")

    def get_full_name(self, user: User) -> str:
        return user.get_full_name() or user.username


class ProjectSerializer(StrictInputMixin, ScopedQuerysetsMixin, serializers.ModelSerializer):
    """The whole project, for municipal users."""

    scoped_fields = {
        "lead_department": "departments",
        "departments": "departments",
        "manager": "users",
        "measures": "measures",
    }
    reason = correction_reason_field()
    measures = serializers.PrimaryKeyRelatedField(
        source="strategic_measures",
        many=True,
        required=False,
        queryset=Measure.objects.none(),
        help_text="Ids of the strategic measures the project serves: measures of its municipality's strategies, "
        "not retired.",
    )

    def validate_measures(self, measures: list[Measure]) -> list[Measure]:
        """The service refuses retired measures too; here the error names the API's own field."""
        if any(measure.is_retired for measure in measures):
            raise serializers.ValidationError(_("A retired measure cannot be linked to a project."))
        return measures

    class Meta:
        model = Project
        fields = (
            "id",
            "title",
            "summary",
            "description",
            "municipality",
            "lead_department",
            "departments",
            "measures",
            "manager",
            "thematic_area",
            "estimated_cost",
            "assessment_score",
            "assessment_summary",
            "evaluation_summary",
            "is_public",
            "public_summary",
            "address",
            "ruian_code",
            "latitude",
            "longitude",
            "planned_start",
            "planned_end",
            "stage",
            "stage_changed_at",
            "created_at",
            "updated_at",
            "reason",
        )
        read_only_fields = ("municipality", "stage", "stage_changed_at", "created_at", "updated_at")
        extra_kwargs = {
            "description": {"max_length": MAX_TEXT},
            "assessment_summary": {"max_length": MAX_TEXT},
            "evaluation_summary": {"max_length": MAX_TEXT},
            "estimated_cost": {"min_value": 0},
        }


class PartnerProjectSerializer(serializers.ModelSerializer):
    """What a partner guest may see of a project: no costs, assessments or internal people."""

    lead_department_name = serializers.CharField(source="lead_department.name", read_only=True, default=None)
    municipality_name = serializers.CharField(source="municipality.name", read_only=True)

    class Meta:
        model = Project
        fields = (
            "id",
            "title",
            "summary",
            "description",
            "municipality",
            "municipality_name",
            "lead_department",
            "lead_department_name",
            "thematic_area",
            "is_public",
            "planned_start",
            "planned_end",
            "stage",
            "stage_changed_at",
        )
        read_only_fields = fields


class ProjectRowsForViewer:
    """Projects, each in the shape its viewer may see (``ProjectSerializer``, or ``PartnerProjectSerializer`` for
    a partner guest), from ``values()`` rows (``rows.py``). Someone can be staff in one municipality and a partner
    guest on another's project, so the shape is chosen per row, from its municipality; the partner columns are
    read only for someone who is a partner guest somewhere."""

    def __init__(self, *, user: User) -> None:
        self._access = user_access(user=user)
        self._staff = row_reader(ProjectSerializer)
        self._partner = row_reader(PartnerProjectSerializer) if self._access.partner_of else None

    def rows(self, queryset: QuerySet[Project]) -> QuerySet:
        return self._staff.rows(queryset, "municipality", *(self._partner.columns if self._partner else ()))

    def annotate(self, queryset: QuerySet[Project]) -> QuerySet[Project]:
        """Projects with what ``represent_one`` needs besides their fields (departments and measures)."""
        return self._staff.annotate(queryset)

    def represent_one(self, project: Project, *, annotated: Project) -> dict | None:
        """``project`` as ``represent`` gives its row, from its fields as they are now and the departments and
        measures of ``annotated`` (read through ``annotate``), without reading it again; None for a viewer who
        gets the partner shape (its names come through relations): read the row then."""
        if not sees_internals_in(access=self._access, municipality_id=project.municipality_id):
            return None
        row = self._staff.row_of(project, annotated=annotated)
        return None if row is None else self._staff.represent([row])[0]

    def represent(self, rows: list[dict]) -> list[dict]:
        partner = {
            row["pk"] for row in rows if not sees_internals_in(access=self._access, municipality_id=row["municipality"])
        }
        staff = iter(self._staff.represent([row for row in rows if row["pk"] not in partner]))
        guests = iter(self._partner.represent([row for row in rows if row["pk"] in partner]) if partner else ())
        return [next(guests) if row["pk"] in partner else next(staff) for row in rows]


class BlockerSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class TransitionOptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.CharField()
    allowed = serializers.BooleanField()
    requires_approval = serializers.BooleanField()
    requires_reason = serializers.BooleanField()
    blockers = BlockerSerializer(many=True)
    pending_request = serializers.IntegerField(source="pending_request_id", allow_null=True)


class TransitionRequestSerializer(FieldsAnewMixin, StrictInputMixin, serializers.Serializer):
    name = serializers.CharField(max_length=64)
    comment = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True, default="")
    expected_stage = serializers.ChoiceField(
        choices=Stage.choices,
        required=False,
        help_text="The stage the caller last saw the project in. When the project stands elsewhere now, nothing "
        "happens and the answer is 409 with code `stage_changed`, saying where it is.",
    )


class DecisionSerializer(serializers.ModelSerializer):
    approver = UserSummarySerializer(read_only=True)
    at = serializers.DateTimeField(source="created_at", read_only=True)
    resolution_text = serializers.CharField(
        read_only=True, help_text="The council resolution as Czech documents cite it; empty when none was given."
    )
    row_computed = {
        "resolution_text": (("resolution_body", "resolution_number", "resolution_date"), cited_resolution),
    }

    class Meta:
        model = ApprovalDecision
        fields = (
            "approver",
            "decision",
            "comment",
            "as_roles",
            "at",
            "resolution_body",
            "resolution_number",
            "resolution_date",
            "resolution_text",
        )


class ApprovalRequestSerializer(serializers.ModelSerializer):
    requested_by = UserSummarySerializer(read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    project_title = serializers.CharField(source="project.title", read_only=True)
    approver_roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    escalated = serializers.BooleanField(source="is_escalated", read_only=True)
    row_computed = {
        "approver_roles": (("lead_head_approves", "involved_heads_approve", "coordinator_approves"), approver_roles_of),
        "escalated": (("status", "escalates_at"), approval_is_escalated),
    }

    class Meta:
        model = ApprovalRequest
        fields = (
            "id",
            "project",
            "project_title",
            "transition",
            "status",
            "requested_by",
            "comment",
            "approver_roles",
            "required_approvals",
            "each_role_must_approve",
            "requires_resolution",
            "decisions",
            "created_at",
            "decided_at",
            "escalates_at",
            "escalated",
        )
        read_only_fields = fields


class DecisionInputSerializer(StrictInputMixin, serializers.Serializer):
    comment = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True, default="")


class ApproveInputSerializer(DecisionInputSerializer):
    """An approval may cite the council resolution it rests on; the policy may require it."""

    resolution_body = serializers.ChoiceField(choices=ResolutionBody.choices, required=False, default="assembly")
    resolution_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    resolution_date = serializers.DateField(required=False, allow_null=True, default=None)


class HistorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="transition")
    # "from" is a Python keyword, so it cannot be a class attribute.
    vars()["from"] = serializers.CharField(source="source")
    to = serializers.CharField(source="target")
    actor = UserSummarySerializer()
    at = serializers.DateTimeField(source="created_at")
    approvals = serializers.SerializerMethodField()

    class Meta:
        model = TransitionRecord
        fields = ("id", "name", "from", "to", "actor", "comment", "at", "approvals")

    @cached_property
    def _decisions(self) -> serializers.ListSerializer:
        # One decision serializer for the whole page, not one per history row.
        return DecisionSerializer(many=True)

    def get_approvals(self, record: TransitionRecord) -> list[dict]:
        if record.approval_request is None:
            return []
        return self._decisions.to_representation(record.approval_request.decisions.all())


class PartnerHistorySerializer(HistorySerializer):
    class Meta(HistorySerializer.Meta):
        fields = ("id", "name", "from", "to", "at")


class TaskSerializer(StrictInputMixin, ScopedQuerysetsMixin, serializers.ModelSerializer):
    scoped_fields = {"project": "projects", "assignee": "users"}

    class Meta:
        model = Task
        fields = (
            "id",
            "project",
            "title",
            "description",
            "assignee",
            "stage",
            "status",
            "due_date",
            "created_by",
            "completed_at",
            "created_at",
        )
        # A new task is always open; its status changes afterwards (PATCH).
        read_only_fields = ("status", "created_by", "completed_at", "created_at")
        extra_kwargs = {"description": {"max_length": MAX_TEXT}}


class TaskUpdateSerializer(TaskSerializer):
    class Meta(TaskSerializer.Meta):
        read_only_fields = ("project", "stage", "created_by", "completed_at", "created_at")


class PartnerTaskUpdateSerializer(TaskSerializer):
    """A partner guest may only move their own task's status."""

    class Meta(TaskSerializer.Meta):
        read_only_fields = tuple(name for name in TaskSerializer.Meta.fields if name != "status")


class CommentSerializer(StrictInputMixin, serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)
    mentions = UserSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Comment
        fields = ("id", "project", "author", "body", "visibility", "mentions", "created_at")
        read_only_fields = ("project", "created_at")
        extra_kwargs = {"body": {"max_length": 10_000}}


class ProjectPartnerSerializer(StrictInputMixin, ScopedQuerysetsMixin, serializers.ModelSerializer):
    scoped_fields = {"organization": "organizations"}
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = ProjectPartner
        fields = ("id", "organization", "organization_name", "access_level", "created_at")
        read_only_fields = ("created_at",)


class FundingSerializer(StrictInputMixin, serializers.ModelSerializer):
    class Meta:
        model = FundingApplication
        fields = (
            "id",
            "project",
            "programme",
            "call_name",
            "amount_requested",
            "amount_approved",
            "status",
            "call_deadline",
            "internal_note",
            "created_at",
        )
        read_only_fields = ("project", "created_at")
        extra_kwargs = {
            "amount_requested": {"min_value": 0},
            "amount_approved": {"min_value": 0},
            "internal_note": {"max_length": MAX_TEXT},
        }

    # The programme is checked by funding_create/funding_update against the project's municipality, after who may
    # edit the project: a field check here would answer a partner 400 where the service answers 403.


class KpiSerializer(StrictInputMixin, serializers.ModelSerializer):
    reason = correction_reason_field()

    class Meta:
        model = Kpi
        fields = (
            "id",
            "project",
            "name",
            "kind",
            "carrier",
            "sector",
            "unit",
            "baseline",
            "target",
            "actual",
            "reason",
        )
        read_only_fields = ("project",)
        extra_kwargs = {"unit": {"required": False, "allow_blank": True}}


def _subject_title(project_title: str | None, payload: dict | None) -> str:
    """``Event.subject_title`` from a row's columns."""
    return project_title if project_title is not None else (payload or {}).get("subject", "")


class NotificationSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="event.kind")
    text = serializers.CharField(source="event.get_kind_display")
    # Null for a strategy's event (an amendment, a consultation): its title then names the strategy's matter.
    project = serializers.IntegerField(source="event.project_id", allow_null=True)
    project_title = serializers.CharField(source="event.subject_title")
    actor = UserSummarySerializer(source="event.actor", allow_null=True)

    row_computed = {"project_title": (("event__project__title", "event__payload"), _subject_title)}

    class Meta:
        model = Notification
        fields = ("id", "kind", "text", "project", "project_title", "actor", "created_at", "read_at")
        read_only_fields = fields
