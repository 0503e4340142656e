from django.urls import path

from kaiku.takeover import views

app_name = "takeover"
urlpatterns = [
    path("", views.index, name="index"),
    path("mapping/", views.mapping, name="mapping"),
    path("published/", views.published, name="published"),
    path("published/<int:pk>/delete/", views.published_delete, name="published_delete"),
]
