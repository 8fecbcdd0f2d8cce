"""The audit log in the admin: read-only, each coordinator sees their municipalities' entries, nobody else any."""

from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext

from backend.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "username", "actor", "object_type", "object_id", "ip_address", "municipality")
    list_filter = ("action", "at")
    list_select_related = ("actor", "municipality")
    search_fields = ("username", "path", "object_id")
    date_hierarchy = "at"
    fields = (
        "at",
        "action",
        "actor",
        "username",
        "municipality",
        "object_type",
        "object_id",
        "path",
        "ip_address",
        "details",
    )
    readonly_fields = fields

    @staticmethod
    def _coordinated(request) -> frozenset[int] | None:
        """The municipalities whose entries the user may read; None for platform operators (all)."""
        # Imported here: core sits below accounts, and only this admin needs a person's roles.
        from backend.accounts.selectors import user_access

        access = user_access(user=request.user)
        return None if access.is_platform_admin else access.coordinator_of

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        municipality_ids = self._coordinated(request)
        return queryset if municipality_ids is None else queryset.filter(municipality_id__in=municipality_ids)

    def get_object(self, request, object_id, from_field=None):
        # Another municipality's entry answers as a missing one does, as everywhere in the admin.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(gettext("Not found."))
        return obj

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        if not request.user.is_active or not request.user.is_staff:
            return False
        municipality_ids = self._coordinated(request)
        return municipality_ids is None or bool(municipality_ids)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
