"""The coordinator's configuration of energy accounting: their own emission factor sets (the shared statutory
ones are read-only here), buildings, degree days, the baseline inventory and the climate target. What the
services compute or import (CO₂ effects, measured actuals, consumption, imports) is shown read-only."""

from django.contrib import admin

from backend.accounts.admin import (
    MunicipalityScopedMixin,
    ReadOnlyAdminMixin,
    shared_and_coordinated,
)
from backend.core.formsets import ConstraintCheckedInlineFormSet
from backend.energy.models import (
    Building,
    ClimateTarget,
    ConsumptionImport,
    DegreeDays,
    EmissionFactor,
    EmissionFactorSet,
    EmissionInventory,
    InventoryEntry,
    KpiEmission,
    KpiMeasuredActual,
    MonthlyConsumption,
)


class EmissionFactorInline(admin.TabularInline):
    model = EmissionFactor
    formset = ConstraintCheckedInlineFormSet
    extra = 1
    fields = ("carrier", "t_co2_per_mwh", "is_confirmed", "citation")

    def _editable(self, request, obj) -> bool:
        return request.user.is_superuser or obj is None or obj.municipality_id is not None

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_delete_permission(request, obj)


@admin.register(EmissionFactorSet)
class EmissionFactorSetAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = ("name", "municipality", "valid_from", "valid_to", "is_statutory")
    list_filter = ("is_statutory",)
    search_fields = ("name", "legal_act", "source")
    inlines = (EmissionFactorInline,)

    def get_queryset(self, request):
        # The shared sets are every town's; a coordinator reads them and edits only their own.
        return shared_and_coordinated(request, admin.ModelAdmin.get_queryset(self, request))

    def get_exclude(self, request, obj=None):
        return () if request.user.is_superuser else ("is_statutory",)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.municipality_id is None and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.municipality_id is None and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not request.user.is_superuser and "municipality" in form.base_fields:
            form.base_fields["municipality"].required = True
        return form


@admin.register(Building)
class BuildingAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = ("code", "name", "address", "floor_area", "municipality")
    list_select_related = ("municipality",)
    search_fields = ("code", "name", "address", "ruian_code")


@admin.register(DegreeDays)
class DegreeDaysAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = ("year", "month", "value", "municipality")
    list_filter = ("year",)
    list_select_related = ("municipality",)


class InventoryEntryInline(MunicipalityScopedMixin, admin.TabularInline):
    model = InventoryEntry
    formset = ConstraintCheckedInlineFormSet
    municipality_lookup = "inventory__municipality_id"
    extra = 1


@admin.register(EmissionInventory)
class EmissionInventoryAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = ("year", "municipality")
    list_select_related = ("municipality",)
    inlines = (InventoryEntryInline,)


@admin.register(ClimateTarget)
class ClimateTargetAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = ("municipality", "kind", "reduction_percent", "target_year", "baseline")
    list_select_related = ("municipality", "baseline")


@admin.register(KpiEmission)
class KpiEmissionAdmin(ReadOnlyAdminMixin, MunicipalityScopedMixin, admin.ModelAdmin):
    municipality_lookup = "kpi__project__municipality_id"
    list_display = ("kpi", "year", "factor_set", "factor", "co2_target", "co2_actual", "is_manual")
    list_select_related = ("kpi", "factor_set")


@admin.register(KpiMeasuredActual)
class KpiMeasuredActualAdmin(ReadOnlyAdminMixin, MunicipalityScopedMixin, admin.ModelAdmin):
    municipality_lookup = "kpi__project__municipality_id"
    list_display = ("kpi", "building", "baseline_year", "reporting_year", "saving_mwh", "is_normalised")
    list_select_related = ("kpi", "building")


@admin.register(MonthlyConsumption)
class MonthlyConsumptionAdmin(ReadOnlyAdminMixin, MunicipalityScopedMixin, admin.ModelAdmin):
    municipality_lookup = "building__municipality_id"
    list_display = ("building", "carrier", "year", "month", "mwh")
    list_filter = ("carrier", "year")
    list_select_related = ("building",)


@admin.register(ConsumptionImport)
class ConsumptionImportAdmin(ReadOnlyAdminMixin, MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = ("file_name", "status", "row_count", "uploaded_by", "created_at", "imported_at")
    exclude = ("content",)
