from django.urls import path

from kaiku.audit import views

app_name = "audit"
urlpatterns = [path("", views.log, name="log")]
