from django.contrib.auth import views as auth_views
from django.urls import path

from kaiku.accounts import views
from kaiku.accounts.forms import EmailAuthenticationForm

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=EmailAuthenticationForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password, name="password"),
    path("locks/", views.locks, name="locks"),
]
