"""REST API of webhooks (``/api/v1/webhooks/``): the coordinator registers endpoints of their municipality,
rotates secrets, sends test events, reads the delivery log and redelivers. Anyone else sees none (404).
And of the catalogue of funding calls (``/api/v1/funding-calls/``)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.selectors import municipality_list_visible
from backend.api.pagination import CursorPagination
from backend.core.errors import PermissionDenied
from backend.integrations import funding_calls, selectors, services
from backend.integrations.models import FundingCall, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEventType
from backend.projects.programmes import programme_validate_for_user


class ByIdPagination(CursorPagination):
    ordering = ("id",)


class EventTypesField(serializers.MultipleChoiceField):
    """A list of event kinds: one list of messages for whatever is wrong in it (the API's field error shape)."""

    def to_internal_value(self, data) -> list[str]:
        return sorted(super().to_internal_value(data))

    def to_representation(self, value) -> list[str]:
        return list(value)


class WebhookEndpointSerializer(serializers.ModelSerializer):
    municipality = serializers.PrimaryKeyRelatedField(
        queryset=municipality_list_visible(user=None),
        required=False,
        help_text="Needed only by a coordinator of several municipalities.",
    )
    url = serializers.URLField(max_length=500)
    event_types = EventTypesField(choices=WebhookEventType.choices, allow_empty=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)

    class Meta:
        model = WebhookEndpoint
        fields = (
            "id",
            "municipality",
            "url",
            "description",
            "event_types",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "consecutive_failures",
            "created_at",
        )
        read_only_fields = ("disabled_at", "disabled_reason", "consecutive_failures", "created_at")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["municipality"].queryset = selectors.webhook_municipalities_for(user=request.user)


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="The signing secret; shown in this answer only.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = (*WebhookEndpointSerializer.Meta.fields, "secret")


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ("attempted_at", "status_code", "duration_ms", "succeeded", "error", "manual")


class WebhookDeliverySerializer(serializers.ModelSerializer):
    attempts_log = serializers.SerializerMethodField()

    class Meta:
        model = WebhookDelivery
        fields = (
            "id",
            "message_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
            "delivered_at",
            "attempts_log",
        )

    @extend_schema_field(WebhookAttemptSerializer(many=True))
    def get_attempts_log(self, delivery: WebhookDelivery) -> list[dict]:
        log = self.context.get("log") or selectors.webhook_attempts_for(deliveries=[delivery])
        return WebhookAttemptSerializer(log.get(delivery.pk, []), many=True).data


SECRET = inline_serializer("WebhookSecret", fields={"secret": serializers.CharField()})
DELIVERY_PAGE = inline_serializer(
    "PaginatedWebhookDeliveryList",
    fields={
        "results": WebhookDeliverySerializer(many=True),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
    },
)


@extend_schema_view(
    create=extend_schema(request=WebhookEndpointSerializer, responses={201: WebhookEndpointCreatedSerializer}),
    partial_update=extend_schema(request=WebhookEndpointSerializer, responses={200: WebhookEndpointSerializer}),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    serializer_class = WebhookEndpointSerializer
    pagination_class = ByIdPagination
    queryset = WebhookEndpoint.objects.none()

    def get_queryset(self):
        return selectors.webhook_endpoint_list_visible(user=self.request.user)

    def create(self, request: Request) -> Response:
        serializer = WebhookEndpointSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        municipality = data.get("municipality")
        if municipality is None:
            municipalities = list(selectors.webhook_municipalities_for(user=request.user)[:2])
            if len(municipalities) != 1:
                raise ValidationError({"municipality": [serializers.Field.default_error_messages["required"]]})
            municipality = municipalities[0]
        try:
            endpoint, secret = services.webhook_endpoint_create(
                actor=request.user,
                municipality=municipality,
                url=data["url"],
                event_types=data["event_types"],
                description=data.get("description", ""),
            )
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        endpoint.secret = secret
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        endpoint = self.get_object()
        serializer = WebhookEndpointSerializer(
            endpoint, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields = {key: value for key, value in serializer.validated_data.items() if key != "municipality"}
        try:
            endpoint = services.webhook_endpoint_update(actor=request.user, endpoint=endpoint, **fields)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        return Response(WebhookEndpointSerializer(endpoint).data)

    def perform_destroy(self, instance: WebhookEndpoint) -> None:
        services.webhook_endpoint_delete(actor=self.request.user, endpoint=instance)

    @extend_schema(request=None, responses={200: SECRET})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        return Response({"secret": services.webhook_secret_rotate(actor=request.user, endpoint=self.get_object())})

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str) -> Response:
        delivery = services.webhook_test_send(actor=request.user, endpoint=self.get_object())
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: DELIVERY_PAGE})
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str) -> Response:
        endpoint = self.get_object()
        paginator = DeliveryPagination()
        page = paginator.paginate_queryset(
            selectors.webhook_delivery_list_visible(user=request.user, endpoint=endpoint), request, view=self
        )
        log = selectors.webhook_attempts_for(deliveries=page)
        return paginator.get_paginated_response(WebhookDeliverySerializer(page, many=True, context={"log": log}).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]+)/redeliver")
    def redeliver(self, request: Request, pk: str, delivery_id: str) -> Response:
        endpoint = self.get_object()
        delivery = get_object_or_404(
            selectors.webhook_delivery_list_visible(user=request.user, endpoint=endpoint), pk=delivery_id
        )
        delivery = services.webhook_redeliver(actor=request.user, delivery=delivery)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class DeliveryPagination(CursorPagination):
    ordering = ("-created_at", "-id")


class FundingCallSerializer(serializers.ModelSerializer):
    municipality = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="Empty for a call of the shared catalogue (read-only to municipalities)."
    )
    application_count = serializers.IntegerField(
        read_only=True, help_text="Funding applications pointing at the call: while any does, it cannot be deleted."
    )

    class Meta:
        model = FundingCall
        fields = ("id", "municipality", *funding_calls.CALL_FIELDS, "application_count")

    def validate_programme(self, value: str) -> str:
        if self.instance is not None and self.instance.programme == value:
            return value
        try:
            return programme_validate_for_user(user=self.context["request"].user, code=value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class FundingCallPagination(CursorPagination):
    ordering = ("closes", "id")


@extend_schema_view(
    create=extend_schema(request=FundingCallSerializer, responses={201: FundingCallSerializer}),
    partial_update=extend_schema(request=FundingCallSerializer, responses={200: FundingCallSerializer}),
)
class FundingCallViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The catalogue of funding calls (``/api/v1/funding-calls/``): every municipal user reads the shared calls and
    their municipalities' own; the coordinator adds, changes and deletes their municipality's calls (deleting only
    while no funding application points at the call). Partner guests see none (404)."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    serializer_class = FundingCallSerializer
    pagination_class = FundingCallPagination
    queryset = FundingCall.objects.none()

    def get_queryset(self):
        return funding_calls.funding_call_list_visible(user=self.request.user).annotate(
            application_count=Count("application_links")
        )

    def create(self, request: Request) -> Response:
        serializer = FundingCallSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        municipalities = list(selectors.webhook_municipalities_for(user=request.user)[:2])
        if len(municipalities) != 1:
            raise PermissionDenied(_("Only the municipality's Smart City coordinator keeps its catalogue of calls."))
        try:
            call = funding_calls.funding_call_create(
                actor=request.user, municipality=municipalities[0], **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        return Response(FundingCallSerializer(self.get_queryset().get(pk=call.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        call = self.get_object()
        serializer = FundingCallSerializer(call, data=request.data, partial=True, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            funding_calls.funding_call_update(actor=request.user, call=call, **serializer.validated_data)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        return Response(FundingCallSerializer(self.get_queryset().get(pk=call.pk)).data)

    def perform_destroy(self, instance: FundingCall) -> None:
        try:
            funding_calls.funding_call_delete(actor=self.request.user, call=instance)
        except DjangoValidationError as error:
            raise ValidationError({"detail": error.messages}) from None


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.URLField(
        allow_null=True, help_text="The caller's secret calendar address (iCalendar); null while they have none."
    )


class CalendarFeedView(APIView):
    """``/api/v1/me/calendar-feed/``: the caller's own secret calendar address, as on their profile page: read it,
    make a new one (the previous address stops working at once), or turn it off."""

    @extend_schema(operation_id="me_calendar_feed", responses={200: CalendarFeedSerializer})
    def get(self, request: Request) -> Response:
        return Response({"url": selectors.calendar_feed_url(user=request.user)})

    @extend_schema(operation_id="me_calendar_feed_regenerate", request=None, responses={201: CalendarFeedSerializer})
    def post(self, request: Request) -> Response:
        services.calendar_feed_regenerate(user=request.user)
        return Response({"url": selectors.calendar_feed_url(user=request.user)}, status=status.HTTP_201_CREATED)

    @extend_schema(operation_id="me_calendar_feed_revoke", request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        services.calendar_feed_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
