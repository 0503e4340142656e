"""The REST API root: the OpenAPI schema and its docs; each app adds its endpoints."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
    path("stats/", include("kaiku.stats.api_urls")),
    path("partners/", include("kaiku.partners.api.urls")),
    path("door/", include("kaiku.door.api_urls")),
]
