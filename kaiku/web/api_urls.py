"""The REST API root: the OpenAPI schema and its docs; each app adds its endpoints."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from kaiku.web.api_errors import not_found

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
    path("stats/", include("kaiku.stats.api_urls")),
    path("partners/", include("kaiku.partners.api.urls")),
    path("door/", include("kaiku.door.api_urls")),
    # Anything else under /api/: the API's JSON 404, never the site's HTML page.
    re_path(r"^(?P<rest>(?s:.*))$", not_found, name="api-not-found"),
]
