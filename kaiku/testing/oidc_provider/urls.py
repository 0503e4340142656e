from django.urls import include, path

from kaiku.testing.oidc_provider import views

urlpatterns = [
    path("login/", views.signin),
    path("test/clients/", views.register_client),
    path("", include("oauth2_provider.urls")),
]
