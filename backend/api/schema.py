"""The OpenAPI description of every answer an operation can give, errors included.

Views declare their successful answers (and any answer particular to them); ``AutoSchema`` adds the standard
error answers each operation can give, by what the operation is, so no view lists them by hand:

=====  ===========================================================================================
401    every operation: no credentials, or a wrong or expired token (also sent to signing in)
429    every operation: the rate limits (``Retry-After`` says how long to wait)
400    writes, and reads that take query parameters (filters, ordering, cursor, page size)
403    writes: visible, but not allowed to this user (or a session without its CSRF token)
404    operations with an id in the path, paginated lists (a tampered cursor), and writes
409    writes that address or create something: blockers, wrong stage, a concurrent change
406    operations that negotiate the response type: an ``Accept`` header JSON does not satisfy
415    operations that take a body: a body in another media type than the documented ones
=====  ===========================================================================================

Signing in is a write that addresses nothing and conflicts with nothing (400, 401, 403, 429), and so is a
write without path parameters or body, such as "mark all read" (401, 403, 429). Every error body is JSON.

Partners see projects and their history in a shape of their own: the answers that may hold either shape are
described with both (``PROJECT_BY_VIEWER``, ``HISTORY_BY_VIEWER``), so that generated clients read both.
"""

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.serializers import PolymorphicProxySerializerExtension
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, inline_serializer
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import SAFE_METHODS

from backend.api import serializers as s

ERROR_MEDIA_TYPES = ("application/json",)

ERROR_DETAIL = inline_serializer("ErrorDetail", fields={"detail": serializers.CharField()})
CONFLICT = inline_serializer(
    "Conflict",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "blockers": s.BlockerSerializer(many=True),
    },
)
# DRF's validation errors: messages by field name (``non_field_errors`` for the whole input), or one ``detail``
# for input that cannot be read at all (malformed JSON, a tampered cursor).
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": "Invalid input: the messages by field name; `non_field_errors` for the input as a whole, "
    "`detail` for input that cannot be read at all.",
    "properties": {
        "detail": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}},
}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {"description": "How to authenticate: `Token`.", "schema": {"type": "string"}},
}

# Status code → (body, description, headers). The 400 body is the ``FieldErrors`` component above.
STANDARD_ERRORS = {
    400: (None, "Invalid input: errors by field name.", {}),
    401: (ERROR_DETAIL, "Not signed in, or the token is wrong.", WWW_AUTHENTICATE),
    403: (ERROR_DETAIL, "Visible, but not allowed to this user.", {}),
    404: (ERROR_DETAIL, "Does not exist, or not visible to this user.", {}),
    406: (ERROR_DETAIL, "The Accept header asks for a media type other than JSON.", {}),
    409: (CONFLICT, "Not possible now: blockers, wrong stage or a concurrent change.", {}),
    415: (ERROR_DETAIL, "The body is in a media type this operation does not take.", {}),
    429: (ERROR_DETAIL, "Too many requests: wait as the Retry-After header says.", RETRY_AFTER),
}


class AnyOfProxySerializer(PolymorphicProxySerializer):
    """Like ``PolymorphicProxySerializer`` (``oneOf``), for shapes of which one may hold another (``anyOf``)."""


class AnyOfProxySerializerExtension(PolymorphicProxySerializerExtension):
    target_class = AnyOfProxySerializer
    priority = 0

    def map_serializer(self, auto_schema, direction):
        schema = super().map_serializer(auto_schema, direction)
        schema["anyOf"] = schema.pop("oneOf")
        return schema


# What a project looks like to its viewer: the whole project for municipal users, the partner view for a
# partner guest of it. The two are told apart by their required fields (a partner's has no costs, people or
# dates of the record; the whole project has no ``municipality_name``), so exactly one of them matches.
PROJECT_BY_VIEWER = PolymorphicProxySerializer(
    component_name="ProjectByViewer",
    serializers=[s.ProjectSerializer, s.PartnerProjectSerializer],
    resource_type_field_name=None,
)
# A partner's history entry is the whole entry without its actor, comment and approvals: a whole entry also
# matches the partner shape, hence ``anyOf``.
HISTORY_BY_VIEWER = AnyOfProxySerializer(
    component_name="HistoryByViewer",
    serializers=[s.HistorySerializer, s.PartnerHistorySerializer],
    resource_type_field_name=None,
    many=True,
)

TRANSITION_RESPONSES = {
    200: OpenApiResponse(s.ProjectSerializer, description="The transition ran; the project in its new stage."),
    202: OpenApiResponse(s.ApprovalRequestSerializer, description="The transition waits for approval."),
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema with the standard error answers of each operation (see the module's docstring)."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in sorted(self.error_codes(operation) - {int(code) for code in responses}):
            responses[str(code)] = self._error_response(code)
        for code, response in responses.items():  # the headers also of an error a view describes itself
            self._with_headers(int(code), response)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def error_codes(self, operation: dict) -> set[int]:
        """The error status codes this operation can answer, by what it is."""
        parameters = operation.get("parameters", [])
        in_path = any(parameter["in"] == "path" for parameter in parameters)
        in_query = any(parameter["in"] == "query" for parameter in parameters)
        body = "requestBody" in operation
        write = self.method not in SAFE_METHODS
        codes = {401, 429}
        if isinstance(self.view.get_content_negotiator(), DefaultContentNegotiation):
            codes.add(406)
        if body:
            codes.add(415)
        if write and not self.view.get_permissions():  # signing in: open to anyone, addresses nothing
            return codes | {400, 403}
        if write and not (in_path or body):  # addresses and takes nothing, e.g. "mark all read"
            return codes | {403}
        if write:
            return codes | {400, 403, 404, 409}
        if in_query or body:
            codes.add(400)
        if in_path or (self._is_list_view() and self._get_paginator() is not None):
            codes.add(404)
        if getattr(self.view, "answers_not_found", False):  # a whole resource some callers may not see
            codes.add(404)
        return codes

    def _error_response(self, code: int) -> dict:
        body, description, _headers = STANDARD_ERRORS[code]
        if body is None:
            component = ResolvedComponent(
                name="FieldErrors", type=ResolvedComponent.SCHEMA, schema=FIELD_ERRORS_SCHEMA, object="FieldErrors"
            )
            self.registry.register_on_missing(component)
            body = component.ref
        response = self._get_response_for_code(
            OpenApiResponse(body, description=description), str(code), media_types=ERROR_MEDIA_TYPES
        )
        return self._with_headers(code, response)

    @staticmethod
    def _with_headers(code: int, response: dict) -> dict:
        headers = STANDARD_ERRORS[code][2] if code in STANDARD_ERRORS else {}
        if headers:
            response["headers"] = {**headers, **response.get("headers", {})}
        return response
