"""The partner API for ticket agencies and venue ticketing systems.

Every endpoint is reached with an API key (``Authorization: Bearer kk_…``). A key acts
for its own venue, or for an agency for the venues that authorised it; any other
venue answers 404. Responses never carry holder data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kaiku.network.models import Site
from kaiku.offers.models import Occurrence, Offer
from kaiku.partners.api.auth import ApiKeyAuthentication, HasScope, KeyRateThrottle
from kaiku.partners.api.serializers import (
    CheckRequestSerializer,
    CheckResponseSerializer,
    OfferSerializer,
    RecordUseSerializer,
    UseSerializer,
    VenueSerializer,
    VoidSerializer,
)
from kaiku.partners.models import ApiKey, ApiKeyScope
from kaiku.partners.services import venues_for_key
from kaiku.visits import services as visits
from kaiku.visits.models import Channel, HeldUse, Reason, Use
from kaiku.web.api_errors import ErrorSerializer

MAX_USES_LISTED = 500
MAX_ID = 2**63 - 1  # larger ids overflow the database's integer: they cannot exist
# A sale older than a year is a bad request. A future time is clamped to now, and one
# older than the channel's window (visits.services.AGENCY_WINDOW) is held for review.
EARLIEST_SCAN = dt.timedelta(days=366)

# A key voids only the uses it recorded itself, within the shared undo window.
VOID_ERRORS = {
    "not_yours_to_undo": gettext_lazy("This key can void only the uses it recorded itself."),
    "too_late_to_undo": gettext_lazy(
        "A use can be voided through the API only within two minutes. Ask the venue admin to void it."
    ),
}


def recorded_via(key: ApiKey) -> str:
    """What a use records as its channel's source: the key's fixed prefix, then its label."""
    return f"API key {key.prefix} {key.label}"[:120]


ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="Missing, unknown or revoked key."),
    403: OpenApiResponse(ErrorSerializer, description="The key does not allow this operation."),
    404: OpenApiResponse(ErrorSerializer, description="No such venue for this key."),
    429: OpenApiResponse(ErrorSerializer, description="Rate limit exceeded; see Retry-After."),
}
BAD_REQUEST = {
    400: OpenApiResponse(
        ErrorSerializer, description="Invalid input (code 'invalid', messages per field in 'fields')."
    ),
}


class PartnerView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [KeyRateThrottle]
    required_scope = ""

    @property
    def key(self) -> ApiKey:
        assert isinstance(self.request.auth, ApiKey)
        return self.request.auth

    def venue(self, venue_id: int) -> Site:
        if not 0 < venue_id <= MAX_ID:
            raise Http404
        venue = venues_for_key(self.key).select_related("area").filter(pk=venue_id).first()
        if venue is None:
            raise Http404
        return venue


class VenueList(PartnerView):
    required_scope = ApiKeyScope.READ

    @extend_schema(operation_id="partner_venues", responses={200: VenueSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        """The venues this key may act for."""
        venues = venues_for_key(self.key).select_related("area").order_by("name")
        return Response(VenueSerializer(venues, many=True).data)


class CheckCard(PartnerView):
    required_scope = ApiKeyScope.CHECK

    @extend_schema(
        operation_id="partner_check_card",
        request=CheckRequestSerializer,
        responses={200: CheckResponseSerializer, **BAD_REQUEST, **ERRORS},
    )
    def post(self, request: Request, venue_id: int) -> Response:
        """Is this card valid at this venue today? Never who holds it.

        A refused check is kept as a refused attempt, once, as at the desk and the door.
        """
        venue = self.venue(venue_id)
        data = CheckRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = visits.check_and_keep(
            data.validated_data["number"], venue, channel=Channel.AGENCY, recorded_via=recorded_via(self.key)
        )
        reason = str(result.reason or "")
        return Response(
            CheckResponseSerializer(
                {
                    "valid": result.valid,
                    "reason": reason,
                    "reason_text": str(Reason(reason).label) if reason in Reason.values else "",
                    "kind": result.kind,
                    "children_allowed": result.children_allowed,
                    "community_group_max": result.community_group_max,
                    "valid_until": result.valid_until if result.valid else None,
                }
            ).data
        )


class UseList(PartnerView):
    def get_permissions(self) -> Any:
        self.required_scope = ApiKeyScope.RECORD if self.request.method == "POST" else ApiKeyScope.READ
        return super().get_permissions()

    @extend_schema(
        operation_id="partner_list_uses",
        parameters=[OpenApiParameter("on", dt.date, description="Only uses on this day (YYYY-MM-DD).")],
        responses={200: UseSerializer(many=True), **BAD_REQUEST, **ERRORS},
    )
    def get(self, request: Request, venue_id: int) -> Response:
        """The venue's most recent uses and refused attempts (at most 500)."""
        venue = self.venue(venue_id)
        uses = Use.objects.filter(venue=venue).select_related("card").order_by("-received_at", "-pk")
        if "on" in request.query_params:
            day = serializers.DateField().run_validation(request.query_params["on"])
            uses = uses.filter(used_on=day)
        return Response(UseSerializer(uses[:MAX_USES_LISTED], many=True).data)

    @extend_schema(
        operation_id="partner_record_use",
        request=RecordUseSerializer,
        responses={
            201: OpenApiResponse(UseSerializer, description="Recorded (accepted or refused with a reason)."),
            200: OpenApiResponse(UseSerializer, description="The same idempotency key again: the first result."),
            202: OpenApiResponse(
                description="Dated more than seven days ago: held for the venue admin's review, not recorded yet."
            ),
            **BAD_REQUEST,
            **ERRORS,
        },
    )
    def post(self, request: Request, venue_id: int) -> Response:
        """Record a use. A refusal is a result (``accepted: false`` with a reason), not an error."""
        venue = self.venue(venue_id)
        data = RecordUseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        known = visits.VenueOffers.load(venue, {d["offer"]}, {d["occurrence"]})
        if d["occurrence"] and known.occurrence(d["occurrence"]) is None:
            raise serializers.ValidationError({"occurrence": [_("No such occurrence at this venue.")]})
        if d["offer"] and known.offer(d["offer"]) is None:
            raise serializers.ValidationError({"offer": [_("No such offer at this venue.")]})
        now = timezone.now()
        scanned_at = d["scanned_at"]
        if scanned_at is not None and scanned_at < now - EARLIEST_SCAN:
            raise serializers.ValidationError({"scanned_at": [_("Must be within the past year.")]})
        result = visits.submit_use(
            visits.use_request(venue, d, channel=Channel.AGENCY, recorded_via=recorded_via(self.key), offers=known)
        )
        if isinstance(result, HeldUse):
            # Dated before the channel's window (``visits.services.AGENCY_WINDOW``): the
            # venue admin decides; nothing is recorded until then.
            return Response(
                {
                    "idempotency_key": result.idempotency_key,
                    "held": True,
                    "reason": result.why,
                    "detail": str(HeldUse.Why(result.why).label),
                },
                status=status.HTTP_202_ACCEPTED,
            )
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(UseSerializer(result.use).data, status=code)


class VoidUse(PartnerView):
    required_scope = ApiKeyScope.RECORD

    @extend_schema(
        operation_id="partner_void_use",
        request=VoidSerializer,
        responses={
            200: UseSerializer,
            409: OpenApiResponse(
                ErrorSerializer, description="Not recorded through this key, or older than two minutes (code)."
            ),
            **BAD_REQUEST,
            **ERRORS,
        },
    )
    def post(self, request: Request, venue_id: int, use_id: int) -> Response:
        """Void a use this key recorded, with a reason, within two minutes. Voiding again returns the voided use."""
        venue = self.venue(venue_id)
        if not 0 < use_id <= MAX_ID:
            raise Http404
        use = Use.objects.filter(pk=use_id, venue=venue).select_related("card", "venue__area").first()
        if use is None:
            raise Http404
        data = VoidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            use = visits.undo_own_use(
                use, data.validated_data["reason"], f"API key {self.key.prefix}", via=recorded_via(self.key)
            )
        except visits.UseError as exc:
            return Response({"code": exc.code, "detail": str(VOID_ERRORS[exc.code])}, status=status.HTTP_409_CONFLICT)
        return Response(UseSerializer(use).data)


class OfferList(PartnerView):
    required_scope = ApiKeyScope.READ

    @extend_schema(operation_id="partner_list_offers", responses={200: OfferSerializer(many=True), **ERRORS})
    def get(self, request: Request, venue_id: int) -> Response:
        """The venue's current offers and their occurrences."""
        venue = self.venue(venue_id)
        offers = (
            Offer.objects.filter(venue=venue)
            .current(timezone.localdate())
            .prefetch_related(Prefetch("occurrences", queryset=Occurrence.objects.order_by("starts_at")))
            .order_by("starts_on", "pk")
        )
        return Response(OfferSerializer(offers, many=True).data)
