"""The open-data API: uses per municipality x year x sector, suppressed, under CC BY 4.0."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from kaiku.network.models import NationalSettings, Sector
from kaiku.stats import queries
from kaiku.web import ratelimit

LICENCE = {
    "name": "CC BY 4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": "Kaikukortti network",
}


class UsesRecordSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    municipality_code = serializers.CharField(
        help_text="Statistics Finland's three-digit municipality code: of the venues' municipality, "
        "or with by=home of the holders' home municipality."
    )
    municipality = serializers.CharField(help_text="The municipality's name in Finnish.")
    sector = serializers.ChoiceField(choices=Sector.choices)
    adult_uses = serializers.CharField(
        help_text="Accepted uses by holders at venues in the municipality (by=home: by holders living in it), "
        "a number, '<N' for a small count, "
        "or 'x' when hidden so that a small count cannot be worked out."
    )
    child_uses = serializers.CharField(help_text="Children (and community-card clients under 16) on those uses.")


class LicenceSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField()
    attribution = serializers.CharField()


class OpenDataSerializer(serializers.Serializer):
    licence = LicenceSerializer()
    small_count_threshold = serializers.IntegerField(help_text="Counts from 1 to this minus one are shown as '<N'.")
    results = UsesRecordSerializer(many=True)


class OpenDataQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=2000, max_value=2100, required=False, help_text="Only this year (2000 to 2100)."
    )
    by = serializers.ChoiceField(
        choices=queries.OPEN_DATA_BY,
        default="venue",
        help_text="venue (the default): per the venue's municipality; home: per the holder's home municipality.",
    )


class OpenDataThrottle(BaseThrottle):
    """``settings.OPEN_DATA_LIMIT`` requests a minute from one address, counted with the CSV
    downloads in the database every worker shares (``kaiku.web.ratelimit.open_data_wait``)."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.seconds = ratelimit.open_data_wait(request)
        return self.seconds is None

    def wait(self) -> float | None:
        return self.seconds


class OpenDataView(APIView):
    """Open data: Kaikukortti uses per municipality (the venue's, or the holder's home), year and sector (CC BY 4.0)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [OpenDataThrottle]

    @extend_schema(
        operation_id="stats_open_data",
        summary="Uses per municipality, year and sector (open data, CC BY 4.0)",
        parameters=[OpenDataQuerySerializer],
        responses=OpenDataSerializer,
        tags=["open data"],
    )
    def get(self, request: Request) -> Response:
        query = OpenDataQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year")
        years = None if year is None else [year]
        k = NationalSettings.get().small_count_threshold
        data = {
            "licence": LICENCE,
            "small_count_threshold": k,
            "results": queries.open_data(k, years, query.validated_data["by"]),
        }
        return Response(OpenDataSerializer(data).data)
