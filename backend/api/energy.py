"""``GET /api/v1/energy/portfolio/``: the town's planned and achieved MWh/year and t CO₂/year, the same figures
as the energy page, by KPI kind, carrier and stage (one aggregate query), by strategic measure and by funding
programme; ``GET /api/v1/energy/factor-sets/``."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.energy.models import EmissionFactor, EmissionFactorSet
from backend.energy.portfolio import portfolio_with_groups
from backend.energy.selectors import factor_set_list_visible, municipality_ids_staff


class EnergyFiguresSerializer(serializers.Serializer):
    mwh_planned = serializers.DecimalField(max_digits=20, decimal_places=3)
    mwh_achieved = serializers.DecimalField(max_digits=20, decimal_places=3)
    co2_planned = serializers.DecimalField(max_digits=20, decimal_places=3)
    co2_achieved = serializers.DecimalField(max_digits=20, decimal_places=3)


class PortfolioRowSerializer(EnergyFiguresSerializer):
    kind = serializers.CharField()
    carrier = serializers.CharField(help_text="Empty for hand-typed CO₂ reduction KPIs.")
    stage = serializers.CharField()
    thematic_area = serializers.CharField()
    year = serializers.IntegerField(
        allow_null=True, help_text="The year the project's effect starts (its planned end)."
    )


class GroupTotalSerializer(EnergyFiguresSerializer):
    key = serializers.CharField(
        help_text="The measure's id or the programme's code; empty for projects under no measure."
    )
    label = serializers.CharField()


class PortfolioSerializer(serializers.Serializer):
    savings = EnergyFiguresSerializer()
    renewables = EnergyFiguresSerializer()
    co2_by_hand = EnergyFiguresSerializer()
    co2_planned = serializers.DecimalField(max_digits=20, decimal_places=3)
    co2_achieved = serializers.DecimalField(max_digits=20, decimal_places=3)
    rows = PortfolioRowSerializer(many=True)
    by_measure = GroupTotalSerializer(
        many=True,
        help_text="Per strategic measure: a project under two measures counts in both (the totals count it once).",
    )
    by_programme = GroupTotalSerializer(
        many=True, help_text="Per funding programme of the projects' approved applications, each project once."
    )


class EnergyPortfolioView(APIView):
    """Town totals over the projects the caller sees as municipal staff; partner guests get 404."""

    answers_not_found = True

    @extend_schema(operation_id="energy_portfolio", responses={200: PortfolioSerializer})
    def get(self, request: Request) -> Response:
        if not municipality_ids_staff(user=request.user):
            raise NotFound()
        return Response(PortfolioSerializer(portfolio_with_groups(user=request.user)).data)


class EmissionFactorSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmissionFactor
        fields = ("carrier", "t_co2_per_mwh", "is_confirmed", "citation")


class EmissionFactorSetSerializer(serializers.ModelSerializer):
    factors = EmissionFactorSerializer(many=True, read_only=True)

    class Meta:
        model = EmissionFactorSet
        fields = (
            "id",
            "municipality",
            "name",
            "source",
            "legal_act",
            "valid_from",
            "valid_to",
            "is_statutory",
            "note",
            "factors",
        )


class EmissionFactorSetListView(ListAPIView):
    """The shared factor sets and those of the caller's municipalities, with their factors and citations."""

    serializer_class = EmissionFactorSetSerializer

    def get_queryset(self):
        return factor_set_list_visible(user=self.request.user)
