from django.urls import path

from kaiku.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("media/<path:path>", views.media, name="media"),
]
