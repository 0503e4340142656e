from django.urls import path

from kaiku.web import import_pages, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("media/<path:path>", views.media, name="media"),
    path("imports/templates/<str:kind>.<str:fmt>", import_pages.import_template, name="import_template"),
]
