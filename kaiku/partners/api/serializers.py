from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import serializers

from kaiku.network.models import Site
from kaiku.offers.models import Occurrence, Offer
from kaiku.visits.models import Reason, Use


class VenueSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.name")

    class Meta:
        model = Site
        fields = ["id", "name", "area", "sector"]


class CheckRequestSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40, help_text="The card number as typed or scanned.")

    class Meta:
        ref_name = "Check"  # "CheckRequest" in the schema, as a request body


class CheckResponseSerializer(serializers.Serializer):
    """What a partner may know about a card: never who holds it."""

    valid = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, help_text="A stable reason code when not valid.")
    reason_text = serializers.CharField(allow_blank=True)
    kind = serializers.CharField(allow_blank=True, help_text="personal or community")
    children_allowed = serializers.IntegerField()
    community_group_max = serializers.IntegerField()
    valid_until = serializers.DateField(allow_null=True)


class RecordUseSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    idempotency_key = serializers.CharField(
        max_length=80, help_text="Your unique id for this sale; resending it returns the first result."
    )
    children = serializers.IntegerField(min_value=0, max_value=30, default=0)
    community_clients = serializers.IntegerField(min_value=0, max_value=100, default=0)
    assistants = serializers.IntegerField(min_value=0, max_value=10, default=0)
    occurrence = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    offer = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    scanned_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="When the ticket was sold; defaults to now."
    )

    def validate_idempotency_key(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("An idempotency key is required."))
        return value.strip()


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)

    def validate_reason(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("Give a reason."))
        return value.strip()


class UseSerializer(serializers.ModelSerializer):
    accepted = serializers.SerializerMethodField()
    reason_text = serializers.SerializerMethodField()
    voided = serializers.SerializerMethodField()
    card_kind = serializers.SerializerMethodField()

    class Meta:
        model = Use
        fields = [
            "id",
            "accepted",
            "outcome",
            "reason",
            "reason_text",
            "card_kind",
            "adults",
            "children",
            "community_clients",
            "assistants",
            "offer",
            "occurrence",
            "channel",
            "scanned_at",
            "received_at",
            "used_on",
            "late",
            "voided",
            "idempotency_key",
        ]

    def get_accepted(self, obj: Use) -> bool:
        return obj.accepted

    def get_reason_text(self, obj: Use) -> str:
        return str(Reason(obj.reason).label) if obj.reason in Reason.values else ""

    def get_voided(self, obj: Use) -> bool:
        return obj.voided_at is not None

    def get_card_kind(self, obj: Use) -> str:
        return obj.card.kind if obj.card is not None else ""


class OccurrenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Occurrence
        fields = ["id", "starts_at", "ends_at", "place", "sold_out"]


class OfferSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    occurrences = OccurrenceSerializer(many=True, read_only=True)

    class Meta:
        model = Offer
        fields = ["id", "title", "kind", "sector", "starts_on", "ends_on", "sold_out", "excluded", "occurrences"]

    def get_title(self, obj: Offer) -> str:
        lang = (get_language() or "fi")[:2]
        return str(getattr(obj, f"title_{lang}", "") or obj.title_fi)


def as_dict(serializer: Any) -> dict[str, Any]:
    return dict(serializer.data)
