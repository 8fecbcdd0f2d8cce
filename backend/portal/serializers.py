"""The public records of backend.portal.public as JSON: the public API, the JSON export and the feeds share them."""

from django.urls import reverse
from rest_framework import serializers

from backend.projects.choices import ThematicArea
from backend.projects.stages import Stage


class PublicPortalSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField(source="municipality.name")
    ico = serializers.CharField(source="municipality.ico", help_text="The municipality's IČO.")
    url = serializers.SerializerMethodField(help_text="The portal's public page.")

    def get_url(self, portal) -> str:
        return _absolute(self.context, reverse("portal:municipality", args=[portal.slug]))


class PublicProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    public_summary = serializers.CharField(help_text="Markdown.")
    thematic_area = serializers.ChoiceField(choices=ThematicArea.choices, allow_blank=True)
    stage = serializers.ChoiceField(choices=Stage.choices)
    in_stage_since = serializers.DateTimeField()
    planned_start = serializers.DateField(allow_null=True)
    planned_end = serializers.DateField(allow_null=True)
    estimated_cost = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    address = serializers.CharField(allow_blank=True)
    ruian_code = serializers.IntegerField(allow_null=True, help_text="The RÚIAN address point code.")
    latitude = serializers.DecimalField(max_digits=8, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    updated_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(help_text="The project's public page.")

    def get_url(self, project) -> str:
        return _absolute(self.context, reverse("portal:project", args=[self.context["slug"], project.id]))


class PublicMilestoneSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    reached_at = serializers.DateTimeField(allow_null=True)
    is_current = serializers.BooleanField()


class PublicFundingSerializer(serializers.Serializer):
    programme = serializers.CharField()
    programme_label = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Secured (approved), CZK.")


class PublicKpiSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    unit = serializers.CharField()
    baseline = serializers.DecimalField(max_digits=16, decimal_places=3, allow_null=True)
    target = serializers.DecimalField(max_digits=16, decimal_places=3)
    actual = serializers.DecimalField(max_digits=16, decimal_places=3, allow_null=True)


class KpiTotalSerializer(serializers.Serializer):
    target = serializers.DecimalField(max_digits=18, decimal_places=3)
    actual = serializers.DecimalField(max_digits=18, decimal_places=3, allow_null=True)


class PublicAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    type_label = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, attachment) -> str:
        return _absolute(self.context, reverse("portal:attachment", args=[self.context["slug"], attachment.id]))


class PublicUpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    project_title = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField(help_text="Markdown.")
    published_at = serializers.DateTimeField()
    attachments = PublicAttachmentSerializer(many=True)


class PublicMeasureSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()


class PublicProjectDetailSerializer(serializers.Serializer):
    project = PublicProjectSerializer()
    manager_name = serializers.CharField()
    lead_department_name = serializers.CharField()
    milestones = PublicMilestoneSerializer(many=True)
    actual_start = serializers.DateTimeField(allow_null=True)
    actual_end = serializers.DateTimeField(allow_null=True)
    funding = PublicFundingSerializer(many=True)
    funding_total = serializers.DecimalField(max_digits=16, decimal_places=2)
    kpis = PublicKpiSerializer(many=True)
    energy_savings = KpiTotalSerializer(allow_null=True, help_text="MWh/year.")
    co2_reduction = KpiTotalSerializer(allow_null=True, help_text="t CO₂/year.")
    updates = PublicUpdateSerializer(many=True)
    measures = PublicMeasureSerializer(many=True)


def _absolute(context: dict, url: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url
