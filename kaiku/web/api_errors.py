"""One shape for every error the REST API answers, and the schema that documents it.

Every 4xx body is ``{"code": ..., "detail": ..., "fields": {...}}``: ``code`` is stable
(DRF's codes such as ``invalid``, ``not_found``, ``not_authenticated``,
``permission_denied``, ``throttled``, or a domain error's code), ``detail`` a message
in the request's language, ``fields`` only on ``invalid``: each input field's messages
(nested as the input is, e.g. ``{"uses": [{}, {"children": [...]}]}``).

``KaikuAutoSchema`` adds to each operation every error status it can answer, so that
clients (and schemathesis in CI) find no undocumented status code.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable reason, e.g. invalid, not_found, throttled.")
    detail = serializers.CharField(help_text="What went wrong, in the request's language.")
    # The serializer's metaclass moves declared fields out of the class, so this does not
    # shadow Serializer.fields at run time.
    fields = serializers.DictField(  # type: ignore[assignment]
        required=False,
        help_text="Only with code 'invalid': the messages of each input field, nested as the input is.",
    )


def error_body(code: str, detail: str, fields: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "detail": detail}
    if fields is not None:
        body["fields"] = fields
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (status, headers such as Retry-After), with the body in the one shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("invalid", _("The input is not valid; see fields."), fields)
    else:
        detail = exc.detail
        codes = exc.get_codes()
        response.data = error_body(
            str(codes if isinstance(codes, str) else exc.default_code),
            str(detail if not isinstance(detail, dict | list) else exc.default_detail),
        )
    return response


@csrf_exempt  # no session, no cookie: nothing to forge
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any path under /api/ that is no endpoint: a JSON 404 in the same shape."""
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)


ERROR_DESCRIPTIONS = {
    400: "Invalid input (code 'invalid', messages per field in 'fields').",
    401: "No credentials, or unknown or revoked ones.",
    403: "The credentials do not allow this operation.",
    404: "No such object for these credentials, or an object of another venue or area.",
    409: "The request conflicts with the object's state (code says why).",
    415: "The body is not JSON.",
    429: "Rate limit exceeded; see Retry-After.",
}


class KaikuAutoSchema(AutoSchema):
    """drf-spectacular's schema, with every error status the operation can answer."""

    def _error_codes(self) -> set[int]:
        view = self.view
        codes = set()
        public = all(isinstance(p, AllowAny) for p in view.get_permissions())
        if not public:
            codes |= {401, 403}
        if self.method in ("POST", "PUT", "PATCH"):
            codes |= {400, 415}
        if any(p.get("in") == "query" for p in self._get_parameters()):
            codes.add(400)
        if "{" in self.path:
            codes.add(404)
        if getattr(view, "throttle_classes", None):
            codes.add(429)
        codes |= set(getattr(view, "error_statuses", ()))
        return codes

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.ListSerializer) and schema.get("type") == "array":
            # drf-spectacular leaves a nested list's bounds out; they are part of the contract.
            if not field.allow_empty:
                schema["minItems"] = max(schema.get("minItems", 0), 1)
            min_length, max_length = getattr(field, "min_length", None), getattr(field, "max_length", None)
            if min_length is not None:
                schema["minItems"] = max(schema.get("minItems", 0), min_length)
            if max_length is not None:
                schema["maxItems"] = max_length
        return schema

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        # Here rather than in get_response_serializers(): @extend_schema(responses=...)
        # replaces that method, and the error statuses belong to every operation.
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code in sorted(self._error_codes()):
            if str(code) not in responses:
                error = OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
                responses[str(code)] = self._get_response_for_code(error, str(code), direction=direction)
        return responses
