from django.urls import path

from kaiku.network import views

app_name = "network"
urlpatterns = [
    path("areas/", views.area_list, name="area_list"),
    path("areas/<int:pk>/", views.area_detail, name="area_detail"),
    path("settings/", views.national_settings, name="settings"),
]
