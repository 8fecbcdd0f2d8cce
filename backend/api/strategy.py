"""Strategies under ``/api/v1/``: the tree (goals, measures, indicators), coverage, amendments and their decisions.

Reads through ``backend.strategy.selectors`` (404 outside the caller's municipality), writes through
``backend.strategy.services``; errors follow the API's contract (``backend.api.errors``).
"""

from django.db.models import Prefetch
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from backend.api.exports import JsonErrorsNegotiation
from backend.core.resolutions import ResolutionBody
from backend.core.spreadsheets import IMPORT_MAX_BYTES, XLSX_CONTENT_TYPE, sheet_read
from backend.strategy.coverage import Figures, strategy_coverage
from backend.strategy.models import (
    Amendment,
    AmendmentAction,
    AmendmentChange,
    Goal,
    Indicator,
    ItemKind,
    Measure,
    Strategy,
)
from backend.strategy.selectors import amendment_list, goal_list, measure_list, strategy_list_visible
from backend.strategy.services import (
    ChangeSpec,
    amendment_decide,
    amendment_propose,
    amendment_resolution_record,
)
from backend.strategy.transfer import strategy_import, strategy_import_check, strategy_xlsx_response
from workflows.models import Decision


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ("id", "name", "kind", "unit", "baseline", "target", "target_year", "is_retired")


class MeasureSerializer(serializers.ModelSerializer):
    goal = serializers.CharField(source="goal.code")
    indicators = IndicatorSerializer(many=True)

    class Meta:
        model = Measure
        fields = ("id", "code", "title", "description", "goal", "responsible_department", "is_retired", "indicators")


class GoalSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", default=None)

    class Meta:
        model = Goal
        fields = ("id", "code", "title", "description", "parent", "is_retired")


class StrategySerializer(serializers.ModelSerializer):
    class Meta:
        model = Strategy
        fields = (
            "id",
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


class StrategyDetailSerializer(StrategySerializer):
    goals = GoalSerializer(many=True)
    measures = MeasureSerializer(many=True)

    class Meta(StrategySerializer.Meta):
        fields = (*StrategySerializer.Meta.fields, "goals", "measures")


class CoverageFiguresSerializer(serializers.Serializer):
    projects = serializers.IntegerField()
    by_stage = serializers.DictField(child=serializers.IntegerField())
    stalled = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=16, decimal_places=2)
    funding = serializers.DecimalField(max_digits=16, decimal_places=2)
    energy_target = serializers.DecimalField(max_digits=16, decimal_places=2)
    energy_actual = serializers.DecimalField(max_digits=16, decimal_places=2)
    co2_target = serializers.DecimalField(max_digits=16, decimal_places=2)
    co2_actual = serializers.DecimalField(max_digits=16, decimal_places=2)
    has_no_project = serializers.BooleanField()
    all_stalled = serializers.BooleanField()


class CoverageItemSerializer(CoverageFiguresSerializer):
    id = serializers.IntegerField()
    code = serializers.CharField()


class CoverageSerializer(serializers.Serializer):
    total = CoverageFiguresSerializer()
    goals = CoverageItemSerializer(many=True)
    measures = CoverageItemSerializer(many=True)


class AmendmentChangeSerializer(serializers.ModelSerializer):
    action = serializers.ChoiceField(choices=AmendmentAction.choices)
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    item_id = serializers.IntegerField(required=False, allow_null=True)
    data = serializers.DictField(required=False, default=dict)

    class Meta:
        model = AmendmentChange
        fields = ("action", "kind", "item_id", "data")


class AmendmentSerializer(serializers.ModelSerializer):
    changes = AmendmentChangeSerializer(many=True)
    decisions = serializers.SerializerMethodField()

    class Meta:
        model = Amendment
        fields = (
            "id",
            "strategy",
            "title",
            "reason",
            "status",
            "proposed_by",
            "created_at",
            "decided_at",
            "resolution_body",
            "resolution_number",
            "resolution_date",
            "changes",
            "decisions",
        )
        read_only_fields = ("strategy", "status", "proposed_by", "created_at", "decided_at")
        read_only_fields += ("resolution_body", "resolution_number", "resolution_date")

    def get_decisions(self, amendment: Amendment) -> list[dict]:
        return [
            {"approver": d.approver_id, "decision": d.decision, "comment": d.comment, "at": d.created_at}
            for d in amendment.decisions.all()
        ]


class AmendmentDecisionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ResolutionInputSerializer(serializers.Serializer):
    resolution_body = serializers.ChoiceField(choices=ResolutionBody.choices)
    resolution_number = serializers.CharField(max_length=64)
    resolution_date = serializers.DateField()


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="XLSX or CSV: one row per goal, measure or indicator, headers first.")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    dry_run = serializers.BooleanField(required=False, default=False, help_text="Check the rows, save nothing.")


class ImportRowSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The row as the spreadsheet counts it (headers are row 1).")
    kind = serializers.CharField()
    code = serializers.CharField()
    title = serializers.CharField()
    parent = serializers.CharField()
    errors = serializers.ListField(child=serializers.CharField())


class ImportResultSerializer(serializers.Serializer):
    rows = ImportRowSerializer(many=True)
    imported = serializers.IntegerField(help_text="Items added to the draft (0 for a dry run or an amendment).")
    amendment = serializers.IntegerField(allow_null=True, help_text="The amendment proposed for a strategy in force.")


def _figures(figures: Figures, **extra) -> dict:
    data = CoverageFiguresSerializer(figures).data
    return {**extra, **data}


class StrategyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Strategies of the caller's municipalities; the detail carries the whole tree."""

    def get_queryset(self):
        strategies = strategy_list_visible(user=self.request.user).order_by("id")
        if self.action == "retrieve":
            goals = Goal.objects.select_related("parent").order_by("code")
            measures = (
                Measure.objects.select_related("goal")
                .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("name", "id")))
                .order_by("code")
            )
            strategies = strategies.prefetch_related(Prefetch("goals", goals), Prefetch("measures", measures))
        return strategies

    def get_serializer_class(self):
        return StrategyDetailSerializer if self.action == "retrieve" else StrategySerializer

    @extend_schema(responses={200: CoverageSerializer})
    @action(detail=True, methods=["get"])
    def coverage(self, request: Request, pk: str) -> Response:
        strategy = self.get_object()
        goals = list(goal_list(strategy=strategy))
        measures = list(measure_list(strategy=strategy).prefetch_related(None))
        coverage = strategy_coverage(strategy=strategy, goals=goals, measures=measures)
        return Response(
            {
                "total": CoverageFiguresSerializer(coverage.total).data,
                "goals": [_figures(coverage.of_goal(g), id=g.pk, code=g.code) for g in goals],
                "measures": [_figures(coverage.of_measure(m), id=m.pk, code=m.code) for m in measures],
            }
        )

    @extend_schema(
        request={"multipart/form-data": ImportInputSerializer},
        responses={200: ImportResultSerializer, 201: ImportResultSerializer},
    )
    @action(detail=True, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_rows(self, request: Request, pk: str) -> Response:
        """Goals, measures and indicators from a table: all rows or none (400 names each wrong row). Into a draft
        they are added, into a strategy in force proposed as one amendment; coordinator only."""
        strategy = self.get_object()
        serializer = ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sheet = sheet_read(name=data["file"].name, content=data["file"].read(IMPORT_MAX_BYTES + 1))
        if data["dry_run"]:
            rows, items, amendment = strategy_import_check(actor=request.user, strategy=strategy, sheet=sheet), [], None
        else:
            result = strategy_import(actor=request.user, strategy=strategy, sheet=sheet, reason=data["reason"])
            rows, items, amendment = result.rows, result.items, result.amendment
        body = {
            "rows": ImportRowSerializer(rows, many=True).data,
            "imported": len(items),
            "amendment": amendment.pk if amendment else None,
        }
        return Response(body, status=status.HTTP_200_OK if data["dry_run"] else status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description="The live tree with the coverage of each goal and measure."
            )
        }
    )
    @action(detail=True, methods=["get"], content_negotiation_class=JsonErrorsNegotiation)
    def export(self, request: Request, pk: str) -> FileResponse:
        return strategy_xlsx_response(strategy=self.get_object())

    @extend_schema(methods=["get"], responses={200: AmendmentSerializer(many=True)})
    @extend_schema(methods=["post"], request=AmendmentSerializer, responses={201: AmendmentSerializer})
    @action(detail=True, methods=["get", "post"])
    def amendments(self, request: Request, pk: str) -> Response:
        strategy = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(amendment_list(strategy=strategy))
            return self.get_paginated_response(AmendmentSerializer(page, many=True).data)
        serializer = AmendmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        amendment = amendment_propose(
            actor=request.user,
            strategy=strategy,
            title=data["title"],
            reason=data["reason"],
            changes=[ChangeSpec(**change) for change in data["changes"]],
        )
        created = amendment_list(strategy=strategy).get(pk=amendment.pk)
        return Response(AmendmentSerializer(created).data, status=status.HTTP_201_CREATED)


class AmendmentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One amendment; its approvers approve or reject it, the coordinator records the council resolution."""

    serializer_class = AmendmentSerializer

    def get_queryset(self):
        visible = strategy_list_visible(user=self.request.user)
        return (
            Amendment.objects.filter(strategy__in=visible)
            .select_related("strategy")
            .prefetch_related("changes", "decisions")
            .order_by("-created_at", "-id")
        )

    def _decide(self, request: Request, decision: str) -> Response:
        amendment = self.get_object()
        serializer = AmendmentDecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        amendment_decide(
            actor=request.user, amendment=amendment, decision=decision, comment=serializer.validated_data["comment"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=amendment.pk)).data)

    @extend_schema(request=AmendmentDecisionInputSerializer, responses={200: AmendmentSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        return self._decide(request, Decision.APPROVE)

    @extend_schema(request=AmendmentDecisionInputSerializer, responses={200: AmendmentSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        return self._decide(request, Decision.REJECT)

    @extend_schema(request=ResolutionInputSerializer, responses={200: AmendmentSerializer})
    @action(detail=True, methods=["post"])
    def resolution(self, request: Request, pk: str) -> Response:
        amendment = self.get_object()
        serializer = ResolutionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        amendment_resolution_record(actor=request.user, amendment=amendment, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=amendment.pk)).data)
