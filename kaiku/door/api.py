"""The door device API: keys, revocations, the venue's offers, checks and batches of uses.

A door authenticates with a staff session (venue staff) or a device token bound to
one venue (``Authorization: Device kkd_…``). Another venue answers 404.
"""

from __future__ import annotations

import functools
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.fields import SkipField
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kaiku.accounts.scopes import get_venue, scope_for, staffed_venues
from kaiku.door import services, validset
from kaiku.door.models import DeviceToken
from kaiku.network.models import Sector, Site
from kaiku.visits.models import Use
from kaiku.web import ratelimit
from kaiku.web.api_errors import error_body

BAD_TOKEN_SCOPE = "device-token-guess"  # noqa: S105 - a counter name


class DevicePrincipal:
    """The "user" of a device-token request: authenticated, but no person."""

    is_authenticated = True
    is_anonymous = False
    pk = None

    def __init__(self, device: DeviceToken) -> None:
        self.device = device

    def __str__(self) -> str:
        return f"device {self.device.label}"


class DeviceTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, DeviceToken] | None:
        header = get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != "device":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Device <token>."))
        ratelimit.refuse_guessing(request, BAD_TOKEN_SCOPE)
        device = services.device_for_token(header[1])
        if device is None:
            ratelimit.count_bad_secret(request, BAD_TOKEN_SCOPE)
            raise exceptions.AuthenticationFailed(_("Unknown or revoked device token."))
        return DevicePrincipal(device), device

    def authenticate_header(self, request: Request) -> str:
        return 'Device realm="kaiku-door"'


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "kaiku.door.api.DeviceTokenAuthentication"
    name = "doorDevice"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Device kkd_<token>"}


class IsDoorClient(BasePermission):
    """A device token, or a signed-in member of some venue's staff."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, DeviceToken):
            return True
        if not getattr(request.user, "is_authenticated", False):
            raise exceptions.NotAuthenticated()
        return bool(scope_for(request.user).venue_ids)


class JSONAnswers(DefaultContentNegotiation):
    """The door API answers JSON whatever the request's Accept header says.

    JSON is its only renderer; parsing the header to choose it took a twentieth of
    recording a use.
    """

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


class DoorAPIView(APIView):
    authentication_classes = [DeviceTokenAuthentication, SessionAuthentication]
    permission_classes = [IsDoorClient]
    content_negotiation_class = JSONAnswers

    def venue(self, request: Request, venue_id: int) -> Site:
        device = request.auth
        if isinstance(device, DeviceToken):
            if device.venue_id != venue_id:
                raise Http404
            return device.venue
        return get_venue(request, venue_id)

    @staticmethod
    def actor(request: Request) -> tuple[Any, str]:
        if isinstance(request.auth, DeviceToken):
            return None, f"door device: {request.auth.label}"[:120]
        return request.user, "door"


class KeysView(DoorAPIView):
    @extend_schema(
        summary="Public keys that verify card codes, by key id",
        responses=inline_serializer("DoorKeys", {"keys": serializers.DictField(child=serializers.CharField())}),
    )
    def get(self, request: Request) -> Response:
        return Response({"keys": {str(k): v for k, v in services.public_keys_b64().items()}})


class RevocationsQuerySerializer(serializers.Serializer):
    since = serializers.IntegerField(
        min_value=0, default=0, help_text="The version from the previous answer; 0 for all"
    )


class RevocationsView(DoorAPIView):
    @extend_schema(
        summary="Card codes that no longer match their card, changed since a version",
        parameters=[RevocationsQuerySerializer],
        responses=inline_serializer(
            "DoorRevocations",
            {
                "version": serializers.IntegerField(),
                "full": serializers.BooleanField(),
                "entries": serializers.ListField(
                    child=serializers.ListField(), help_text="[number, min code version, blocked reason]"
                ),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        query = RevocationsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(services.revocations_since(query.validated_data["since"]))


class WhoAmIView(DoorAPIView):
    @extend_schema(
        summary="The venue this device or person opens the door for",
        responses=inline_serializer("DoorWhoAmI", {"venues": serializers.ListField(child=serializers.DictField())}),
    )
    def get(self, request: Request) -> Response:
        if isinstance(request.auth, DeviceToken):
            venues = [request.auth.venue]
        else:
            venues = staffed_venues(request.user)
        return Response({"venues": [{"id": v.pk, "name": v.name} for v in venues]})


class ConfigView(DoorAPIView):
    @extend_schema(
        summary="What a door device keeps offline: venue, rules, keys, reasons, offers",
        responses=inline_serializer(
            "DoorConfig", {"venue": serializers.DictField(), "offers": serializers.ListField()}
        ),
    )
    def get(self, request: Request, venue_id: int) -> Response:
        return Response(services.venue_config(self.venue(request, venue_id)))


class ValidSetView(DoorAPIView):
    @extend_schema(
        summary="The signed set of card numbers valid in this venue's area today, as keyed hashes",
        description=(
            "Binary (application/octet-stream), the layout in kaiku/door/validset.py. "
            "Send the previous answer's ETag as If-None-Match: an unchanged set answers 304."
        ),
        responses={(200, "application/octet-stream"): bytes, 304: None},
    )
    def get(self, request: Request, venue_id: int) -> HttpResponse:
        found = validset.for_venue(self.venue(request, venue_id))
        if request.headers.get("If-None-Match") == found.etag:
            response = HttpResponse(status=status.HTTP_304_NOT_MODIFIED)
        else:
            response = HttpResponse(found.blob, content_type="application/octet-stream")
        response["ETag"] = found.etag
        response["Cache-Control"] = "no-store"
        return response


class CheckSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300, help_text="The scanned code or the typed card number")

    class Meta:
        ref_name = "DoorCheck"


class CheckView(DoorAPIView):
    @extend_schema(
        summary="Is this card valid here now? (valid / not valid and why; never who holds it)",
        request=CheckSerializer,
        responses=inline_serializer(
            "DoorVerdict",
            {
                "valid": serializers.BooleanField(),
                "reason": serializers.CharField(),
                "reason_text": serializers.CharField(),
                "number": serializers.CharField(),
                "kind": serializers.CharField(),
                "children_allowed": serializers.IntegerField(),
                "community_group_max": serializers.IntegerField(),
                "valid_until": serializers.DateField(allow_null=True),
                "renew_at": serializers.CharField(
                    help_text="An expired or inactivated card: the public name of the site that registered it"
                ),
            },
        ),
    )
    def post(self, request: Request, venue_id: int) -> Response:
        venue = self.venue(request, venue_id)
        data = CheckSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor, via = self.actor(request)
        verdict = services.check(data.validated_data["text"], venue, keep=True, actor=actor, via=via)
        return Response(verdict.as_dict())


class UseItemSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=80, help_text="Idempotency key made by the device")
    text = serializers.CharField(max_length=300, help_text="The scanned code or the typed card number")
    scanned_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Device time")
    offline = serializers.BooleanField(default=False, help_text="The device already let the person in")
    children = serializers.IntegerField(min_value=0, max_value=100, default=0)
    community_clients = serializers.IntegerField(min_value=0, max_value=100, default=0)
    assistants = serializers.IntegerField(min_value=0, max_value=10, default=0)
    offer = serializers.IntegerField(required=False, allow_null=True)
    occurrence = serializers.IntegerField(required=False, allow_null=True)
    sector = serializers.ChoiceField(choices=Sector.choices, required=False, allow_blank=True, default="")
    override_reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    read_with = serializers.ChoiceField(
        choices=["camera", "photo", "typed"],
        required=False,
        default="",
        allow_blank=True,
        help_text="How the card was read; a Code 39 barcode gives the plain number",
    )

    class Meta:
        ref_name = "DoorUseItem"


class BatchSerializer(serializers.Serializer):
    uses = UseItemSerializer(many=True, allow_empty=False, max_length=services.MAX_BATCH)  # type: ignore[call-arg]

    class Meta:
        ref_name = "DoorBatch"


@functools.cache
def _use_item_fields() -> tuple[tuple[str, serializers.Field], ...]:  # type: ignore[type-arg]
    """``UseItemSerializer``'s fields by name, bound once (validation does not change them)."""
    return tuple(UseItemSerializer().fields.items())


def _valid_uses(data: Any) -> list[dict[str, Any]] | None:
    """The batch's uses as ``BatchSerializer`` validates them, or None if it has any error.

    A serializer deep-copies its fields each time it is made: for the fourteen fields of
    a use that was half a millisecond, a quarter of recording a use. A well-formed batch
    (plain JSON) runs the same fields' validation here; for anything else the caller
    uses the serializer, which answers with its errors. ``test_api.py`` checks on
    generated batches that the two give the same.
    """
    if type(data) is not dict:
        return None
    uses = data.get("uses")
    if type(uses) is not list or not 0 < len(uses) <= services.MAX_BATCH:
        return None
    fields = _use_item_fields()
    valid: list[dict[str, Any]] = []
    for raw in uses:
        if type(raw) is not dict:
            return None
        item: dict[str, Any] = {}
        for name, field in fields:
            try:
                item[name] = field.run_validation(field.get_value(raw))
            except SkipField:
                continue
            except (exceptions.ValidationError, DjangoValidationError):
                return None
        valid.append(item)
    return valid


class UsesView(DoorAPIView):
    @extend_schema(
        summary=(
            "Record a batch of uses (idempotent by key; offline uses refused now come back forced; "
            "an offline use dated before the device's last online contact, or more than seven days ago, "
            "comes back held for the venue admin's review)"
        ),
        request=BatchSerializer,
        responses=inline_serializer(
            "DoorBatchResult", {"results": serializers.ListField(child=serializers.DictField())}
        ),
    )
    def post(self, request: Request, venue_id: int) -> Response:
        venue = self.venue(request, venue_id)
        uses = _valid_uses(request.data)
        if uses is None:
            batch = BatchSerializer(data=request.data)
            batch.is_valid(raise_exception=True)
            uses = batch.validated_data["uses"]
        items = []
        for raw in uses:
            scanned_at = raw.get("scanned_at")
            items.append(
                services.SyncItem(
                    key=raw["key"],
                    text=raw["text"],
                    scanned_at=scanned_at,
                    offline=raw["offline"],
                    children=raw["children"],
                    community_clients=raw["community_clients"],
                    assistants=raw["assistants"],
                    offer=raw.get("offer"),
                    occurrence=raw.get("occurrence"),
                    sector=raw["sector"],
                    override_reason=raw["override_reason"],
                    scanned=raw["read_with"] in ("camera", "photo"),
                )
            )
        foreign = services.foreign_offers(venue, items)
        if foreign:
            # As the partner API: another venue's offer or date is a bad request, not a silent drop.
            raise exceptions.ValidationError({"uses": foreign})
        actor, via = self.actor(request)
        device = request.auth if isinstance(request.auth, DeviceToken) else None
        last_contact = device.contact_before_gap if device is not None else None
        return Response({"results": services.sync(venue, items, actor, via, last_contact=last_contact)})


class UndoView(DoorAPIView):
    error_statuses = (409,)

    @extend_schema(
        summary="Undo (void) a use recorded at this venue within the last two minutes",
        request=None,
        responses=inline_serializer("DoorUndo", {"voided": serializers.BooleanField()}),
    )
    def post(self, request: Request, venue_id: int, use_id: int) -> Response:
        venue = self.venue(request, venue_id)
        actor, via = self.actor(request)
        try:
            services.undo(venue, use_id, actor, via)
        except Use.DoesNotExist:
            raise Http404 from None
        except services.DoorError as exc:
            return Response(error_body(exc.code, exc.message), status=status.HTTP_409_CONFLICT)
        return Response({"voided": True})
