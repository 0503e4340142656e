from django.urls import path, re_path

from kaiku.partners.api import docs, views
from kaiku.web.api_errors import not_found

app_name = "partners-api"
urlpatterns = [
    path("", docs.docs_page, name="docs"),
    path("venues/", views.VenueList.as_view(), name="venues"),
    path("venues/<int:venue_id>/check/", views.CheckCard.as_view(), name="check"),
    path("venues/<int:venue_id>/uses/", views.UseList.as_view(), name="uses"),
    path("venues/<int:venue_id>/uses/<int:use_id>/void/", views.VoidUse.as_view(), name="void"),
    path("venues/<int:venue_id>/offers/", views.OfferList.as_view(), name="offers"),
    # Ids that are not numbers, and any other path: JSON, never the HTML 404 page.
    re_path(r"^(?P<rest>.*)$", not_found, name="not_found"),
]
