from django.urls import path

from kaiku.sso import views

app_name = "sso"
urlpatterns = [
    path("", views.signin, name="signin"),
    path("callback/", views.callback, name="callback"),
    path("providers/", views.provider_list, name="provider_list"),
    path("providers/new/", views.provider_create, name="provider_create"),
    path("providers/<int:pk>/", views.provider_edit, name="provider_edit"),
]
