from typing import Any

from django.urls import path
from django.views.generic import RedirectView

from kaiku.partners import views


def _moved(url: str) -> Any:
    """An import page that moved to the app whose rows it writes: old bookmarks still land."""
    return RedirectView.as_view(url=url, permanent=True, query_string=True)


app_name = "partners"
urlpatterns = [
    path("", views.home, name="home"),
    path("areas/<int:pk>/api-keys/", views.api_keys, name="api_keys"),
    path("venues/<int:pk>/agencies/", views.agencies, name="agencies"),
    path("venues/<int:pk>/agencies/<int:grant>/withdraw/", views.agency_withdraw, name="agency_withdraw"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("venues/<int:pk>/import/", _moved("/visits/venue/%(pk)s/import/")),
    path("distributors/<int:pk>/import/", _moved("/cards/site/%(pk)s/import/")),
    path("templates/<str:kind>.<str:fmt>", _moved("/imports/templates/%(kind)s.%(fmt)s")),
]
