from django.contrib.auth import views as auth_views
from django.urls import path

from kaiku.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.second_factor_manage, name="second_factor_manage"),
    path("two-factor/verify/", views.second_factor, name="second_factor"),
    path("two-factor/set-up/", views.second_factor_setup, name="second_factor_setup"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("two-factor/passkey/register/options/", views.passkey_register_options, name="passkey_register_options"),
    path("two-factor/passkey/register/", views.passkey_register, name="passkey_register"),
    path("two-factor/passkey/verify/options/", views.passkey_auth_options, name="passkey_auth_options"),
    path("two-factor/passkey/verify/", views.passkey_auth, name="passkey_auth"),
    path("two-factor/users/", views.second_factor_users, name="second_factor_users"),
    path("two-factor/users/<int:user_id>/reset/", views.second_factor_reset, name="second_factor_reset"),
    path("password/", views.password, name="password"),
    path("locks/", views.locks, name="locks"),
]
