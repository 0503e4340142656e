from django.urls import path

from kaiku.offers import views

app_name = "offers"
urlpatterns = [
    path("", views.catalogue_view, name="catalogue"),
    path("area/<slug:area_slug>/", views.area_catalogue, name="area_catalogue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/calendar.ics", views.ical, name="ical"),
    path("venue/<int:venue_id>/", views.venue_offers, name="venue_offers"),
    path("venue/<int:venue_id>/new/", views.offer_create, name="offer_create"),
    path("venue/<int:venue_id>/<int:pk>/", views.offer_manage, name="offer_manage"),
    path("venue/<int:venue_id>/<int:pk>/edit/", views.offer_edit, name="offer_edit"),
    path("venue/<int:venue_id>/<int:pk>/dates/new/", views.occurrence_create, name="occurrence_create"),
    path("venue/<int:venue_id>/dates/<int:pk>/", views.occurrence_manage, name="occurrence_manage"),
    path("venue/<int:venue_id>/dates/<int:pk>/edit/", views.occurrence_edit, name="occurrence_edit"),
    path("venue/<int:venue_id>/dates/<int:pk>/reserve/", views.reserve, name="reserve"),
    path("venue/<int:venue_id>/dates/<int:pk>/seats/", views.release_seats, name="release_seats"),
    path("venue/<int:venue_id>/reservations/<int:pk>/cancel/", views.reservation_cancel, name="reservation_cancel"),
]
