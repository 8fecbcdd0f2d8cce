"""The coordinator's admin of strategies: the strategy's name and period are configuration; its structure,
amendments and history are shown here and changed only in the application, where every change is versioned."""

from django.contrib import admin

from backend.accounts.admin import MunicipalityScopedMixin, ReadOnlyAdminMixin
from backend.strategy.models import Amendment, Goal, ItemVersion, Measure, Revision, Strategy
from backend.strategy.services import strategy_create


class _ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    show_change_link = False


class GoalInline(_ReadOnlyInline):
    model = Goal
    fields = ("code", "title", "parent", "is_retired")
    readonly_fields = fields


class MeasureInline(_ReadOnlyInline):
    model = Measure
    fields = ("code", "title", "goal", "responsible_department", "is_retired")
    readonly_fields = fields


@admin.register(Strategy)
class StrategyAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = ("title", "municipality", "status", "period_start", "period_end", "revision")
    list_filter = ("status",)
    list_select_related = ("municipality",)
    search_fields = ("title",)
    fields = (
        "municipality",
        "title",
        "period_start",
        "period_end",
        "status",
        "revision",
        "resolution_body",
        "resolution_number",
        "resolution_date",
    )
    readonly_fields = ("status", "revision", "resolution_body", "resolution_number", "resolution_date")
    inlines = (GoalInline, MeasureInline)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = strategy_create(
            actor=request.user,
            municipality=obj.municipality,
            title=obj.title,
            period_start=obj.period_start,
            period_end=obj.period_end,
        )
        obj.__dict__.update(created.__dict__)


class _StrategyRecordAdmin(ReadOnlyAdminMixin, MunicipalityScopedMixin, admin.ModelAdmin):
    municipality_lookup = "strategy__municipality_id"
    list_select_related = ("strategy",)


@admin.register(Amendment)
class AmendmentAdmin(_StrategyRecordAdmin):
    list_display = ("title", "strategy", "status", "proposed_by", "created_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("strategy", "proposed_by")


@admin.register(Revision)
class RevisionAdmin(_StrategyRecordAdmin):
    list_display = ("strategy", "number", "note", "resolution_number", "resolution_date", "created_at")


@admin.register(ItemVersion)
class ItemVersionAdmin(_StrategyRecordAdmin):
    list_display = ("strategy", "revision", "kind", "item_id", "created_at")
    list_filter = ("kind",)
