from django.urls import path

from kaiku.visits import views

app_name = "visits"
urlpatterns = [
    path("venue/<int:venue_id>/", views.venue, name="venue"),
    path("venue/<int:venue_id>/uses/<int:pk>/void/", views.void, name="void"),
    path("venue/<int:venue_id>/uses/<int:pk>/undo/", views.undo, name="undo"),
    path("venue/<int:venue_id>/review/", views.review, name="review"),
    path("venue/<int:venue_id>/import/", views.import_uses, name="import_uses"),
    path("venue/<int:venue_id>/review/<int:pk>/accept/", views.review_accept, name="review_accept"),
    path("venue/<int:venue_id>/review/<int:pk>/reject/", views.review_reject, name="review_reject"),
]
