"""Admin for projects and what hangs on them: read-only for everybody, the coordinator's window on the work.

Projects, tasks, comments, funding, KPIs, project partners, attachments and events are written only by the
services behind the application and the API, which check who may do what on each project; saving them here
would bypass that (issue 11). The "Change stage…" action belongs to the pipeline: ``workflows.admin`` registers
this admin again with it (this package knows no workflows). Strategic measures live in
``backend.strategy``.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from backend.accounts.admin import MunicipalityScopedMixin, ReadOnlyAdminMixin, shared_and_coordinated
from backend.projects.models import (
    Attachment,
    Comment,
    Event,
    FundingApplication,
    Kpi,
    Programme,
    Project,
    ProjectPartner,
    Task,
)
from backend.projects.selectors import project_list_visible

PIPELINE_FIELDS = ("stage", "stage_before_hold", "stage_changed_at")


class ProjectScopedMixin(MunicipalityScopedMixin):
    municipality_lookup = "project__municipality_id"


class ProjectWorkAdminMixin(ReadOnlyAdminMixin, ProjectScopedMixin):
    """What hangs on a project: read here, written only through the services (the application and the API)."""


class TaskInline(ProjectWorkAdminMixin, admin.TabularInline):
    model = Task
    fields = ("title", "assignee", "stage", "status", "due_date")
    extra = 0


class FundingApplicationInline(ProjectWorkAdminMixin, admin.TabularInline):
    model = FundingApplication
    fields = ("programme", "call_name", "amount_requested", "amount_approved", "status", "call_deadline")
    extra = 0


class KpiInline(ProjectWorkAdminMixin, admin.TabularInline):
    model = Kpi
    fields = ("name", "kind", "unit", "baseline", "target", "actual")
    extra = 0


class ProjectPartnerInline(ProjectWorkAdminMixin, admin.TabularInline):
    model = ProjectPartner
    fields = ("organization", "access_level", "invited_by")
    extra = 0


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdminMixin, MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = ("title", "municipality", "lead_department", "stage", "manager", "estimated_cost")
    list_filter = (
        "stage",
        "thematic_area",
        ("municipality", admin.RelatedOnlyFieldListFilter),
        ("lead_department", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("municipality", "lead_department", "manager")
    search_fields = ("title",)
    fieldsets = (
        (None, {"fields": ("municipality", "title", "summary", "description", "thematic_area")}),
        (_("Responsibility"), {"fields": ("lead_department", "departments", "manager", "author")}),
        (
            _("Cost, assessment and evaluation"),
            {
                "fields": (
                    "estimated_cost",
                    "planned_start",
                    "planned_end",
                    "assessment_score",
                    "assessment_summary",
                    "evaluation_summary",
                )
            },
        ),
        (_("Sharing"), {"fields": ("is_public", "shared_with", "watchers")}),
        (_("Pipeline"), {"fields": (*PIPELINE_FIELDS, "created_at", "updated_at")}),
    )
    inlines = (TaskInline, FundingApplicationInline, KpiInline, ProjectPartnerInline)

    def get_queryset(self, request):
        # The selector decides what the user may read; the admin shows only the coordinated municipalities' ones.
        queryset = project_list_visible(user=request.user)
        if ordering := self.get_ordering(request):
            queryset = queryset.order_by(*ordering)
        return self.restrict_to_own_municipalities(request, queryset)


@admin.register(Task)
class TaskAdmin(ProjectWorkAdminMixin, admin.ModelAdmin):
    list_display = ("title", "project", "assignee", "stage", "status", "due_date")
    list_filter = ("status", "stage")
    list_select_related = ("project", "assignee")
    search_fields = ("title", "project__title")


@admin.register(Comment)
class CommentAdmin(ProjectWorkAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "project", "visibility", "created_at")
    list_filter = ("visibility",)
    list_select_related = ("project", "author")
    search_fields = ("body", "project__title")


@admin.register(FundingApplication)
class FundingApplicationAdmin(ProjectWorkAdminMixin, admin.ModelAdmin):
    list_display = ("project", "programme", "status", "amount_requested", "amount_approved", "call_deadline")
    list_filter = ("programme", "status")
    list_select_related = ("project",)
    search_fields = ("project__title", "call_name")


@admin.register(Programme)
class ProgrammeAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    """Funding programmes. A coordinator reads the installation-wide ones and their town's own here; theirs are added
    and deactivated on /integrations/programmes/, through the service that makes the code and writes the audit
    entry. The platform operator keeps the installation-wide ones here. Nobody deletes a programme: stored
    applications and calls name it by its code, which therefore never changes either."""

    list_display = ("name", "code", "provider", "municipality", "is_active")
    list_filter = ("is_active",)
    list_select_related = ("municipality",)
    search_fields = ("name", "code", "provider")

    def get_queryset(self, request):
        return shared_and_coordinated(request, admin.ModelAdmin.get_queryset(self, request))

    def get_fields(self, request, obj=None):
        # What the operator adds is installation-wide: a town's programme comes from its coordinator's page.
        return (
            ("code", "name", "provider", "is_active")
            if obj is None
            else ("code", "municipality", "name", "provider", "is_active")
        )

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("code", "municipality")

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        installation_wide = obj is None or obj.municipality_id is None
        return request.user.is_superuser and installation_wide and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Kpi)
class KpiAdmin(ProjectWorkAdminMixin, admin.ModelAdmin):
    list_display = ("name", "project", "kind", "unit", "baseline", "target", "actual")
    list_filter = ("kind",)
    list_select_related = ("project",)
    search_fields = ("name", "project__title")


@admin.register(ProjectPartner)
class ProjectPartnerAdmin(ProjectWorkAdminMixin, admin.ModelAdmin):
    list_display = ("organization", "project", "access_level", "invited_by")
    list_filter = ("access_level",)
    list_select_related = ("organization", "project", "invited_by")
    search_fields = ("organization__name", "project__title")


@admin.register(Attachment)
class AttachmentAdmin(ProjectWorkAdminMixin, admin.ModelAdmin):
    """Uploads go through the content checks of the service, and removal through the application.

    The file itself is downloaded only through the permission-checked view, linked from the project.
    """

    list_display = ("original_name", "project", "comment", "visibility", "content_type", "size", "uploaded_by")
    list_filter = ("visibility", "content_type")
    list_select_related = ("project", "comment", "uploaded_by")
    search_fields = ("original_name", "project__title", "sha256")
    fields = (
        "project",
        "comment",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "visibility",
        "uploaded_by",
        "created_at",
    )


@admin.register(Event)
class EventAdmin(ProjectWorkAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "project", "actor")
    list_filter = ("kind",)
    list_select_related = ("project", "actor")
    search_fields = ("project__title",)
