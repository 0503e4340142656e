from django.urls import path

from kaiku.door import api

app_name = "door-api"
urlpatterns = [
    path("keys/", api.KeysView.as_view(), name="keys"),
    path("revocations/", api.RevocationsView.as_view(), name="revocations"),
    path("me/", api.WhoAmIView.as_view(), name="me"),
    path("venues/<int:venue_id>/config/", api.ConfigView.as_view(), name="config"),
    path("venues/<int:venue_id>/valid-cards/", api.ValidSetView.as_view(), name="valid_cards"),
    path("venues/<int:venue_id>/check/", api.CheckView.as_view(), name="check"),
    path("venues/<int:venue_id>/uses/", api.UsesView.as_view(), name="uses"),
    path("venues/<int:venue_id>/uses/<int:use_id>/undo/", api.UndoView.as_view(), name="undo"),
]
