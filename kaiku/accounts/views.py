"""Staff sign-in and its second step (verify, enrol, recovery codes, passkeys, an admin's reset),
one's own password, and sign-in locks for the national admin."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kaiku.accounts import services, twofactor
from kaiku.accounts.forms import (
    ConfirmTotpForm,
    EmailAuthenticationForm,
    SecondFactorCodeForm,
    UnlockForm,
    UserSearchForm,
)
from kaiku.accounts.middleware import half_signed_in_allowed
from kaiku.accounts.models import Passkey, User
from kaiku.accounts.scopes import require_national
from kaiku.accounts.twofactor import SecondFactorError

# A passkey's answer is a few kilobytes; anything much larger is refused unread.
MAX_JSON_BYTES = 64 * 1024


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm

    def get_success_url(self) -> str:
        return twofactor.post_login_redirect(self.request, super().get_success_url())


def _next(request: HttpRequest) -> str:
    return twofactor.safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


@half_signed_in_allowed
@never_cache
@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """The second step after the password: a code from the app, a recovery code, or a passkey."""
    next_url = _next(request)
    if not twofactor.needs_second_step(request):
        return HttpResponseRedirect(next_url)
    if not twofactor.has_factor(request.user):
        return HttpResponseRedirect(_with_next("accounts:second_factor_setup", next_url))
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            twofactor.verify_code(request, form.cleaned_data["code"])
        except SecondFactorError as error:
            form.add_error("code", error.message)
        else:
            return HttpResponseRedirect(next_url)
    user: User = request.user  # type: ignore[assignment]
    has_passkey = Passkey.objects.filter(user=user).exists()
    return render(request, "accounts/second_factor.html", {"form": form, "next": next_url, "has_passkey": has_passkey})


@half_signed_in_allowed
@never_cache
@login_required
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (QR code, then a code from it) or a passkey."""
    next_url = _next(request)
    if not twofactor.enrolment_allowed(request):
        messages.error(request, SecondFactorError("verify_first").message)
        return HttpResponseRedirect(_with_next("accounts:second_factor", next_url))
    user: User = request.user  # type: ignore[assignment]
    device = twofactor.pending_totp(user)
    form = ConfirmTotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.confirm_totp(request, form.cleaned_data["code"])
        except SecondFactorError as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, _("Your authenticator app is set up."))
            return _show_codes_once(request, codes, next_url)
    qr = segno.make(device.config_url, error="m").svg_inline(scale=5, border=4, omitsize=True)
    context = {
        "form": form,
        "next": next_url,
        "qr": qr,
        "secret": twofactor.totp_secret(device),
        "required": twofactor.requires_second_factor(user),
    }
    return render(request, "accounts/second_factor_setup.html", context)


def _show_codes_once(request: HttpRequest, codes: list[str], next_url: str) -> HttpResponse:
    if not codes:
        return HttpResponseRedirect(next_url)
    request.session[twofactor.NEW_CODES_KEY] = codes
    return HttpResponseRedirect(_with_next("accounts:recovery_codes", next_url))


@never_cache
@login_required
def second_factor_manage(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {
        "summary": twofactor.factor_summary(user),
        "passkeys": Passkey.objects.filter(user=user).order_by("created_at"),
        "required": twofactor.requires_second_factor(user),
    }
    return render(request, "accounts/second_factor_manage.html", context)


@never_cache
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes are shown here once (GET after the POST that made them)."""
    next_url = _next(request)
    if request.method == "POST":
        try:
            codes = twofactor.renew_recovery_codes(request)
        except SecondFactorError as error:
            messages.error(request, error.message)
            return redirect("accounts:second_factor_manage")
        return _show_codes_once(request, codes, next_url)
    codes = request.session.pop(twofactor.NEW_CODES_KEY, None) or []
    left = twofactor.recovery_codes_left(request.user)  # type: ignore[arg-type]
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "left": left, "next": next_url})


# --------------------------------------------------------------------------- passkeys (JSON for passkey.js)


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_JSON_BYTES:
        raise SecondFactorError("passkey_invalid")
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise SecondFactorError("passkey_invalid") from None
    if not isinstance(data, dict):
        raise SecondFactorError("passkey_invalid")
    return data


def _credential_body(request: HttpRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """The passkey answer's JSON body and the browser's credential in it."""
    data = _json_body(request)
    credential = data.get("credential")
    if not isinstance(credential, dict):
        raise SecondFactorError("passkey_invalid")
    return data, credential


def _refused(error: SecondFactorError) -> JsonResponse:
    return JsonResponse({"code": error.code, "detail": str(error.message)}, status=400)


def passkey_step(view: Callable[[HttpRequest], JsonResponse]) -> Callable[[HttpRequest], JsonResponse]:
    """A step of the passkey ceremony: a JSON POST, signed in (the second factor may still be
    missing), never cached; a refused step answers 400 with the error's code."""

    @functools.wraps(view)
    def step(request: HttpRequest) -> JsonResponse:
        try:
            return view(request)
        except SecondFactorError as error:
            return _refused(error)

    return half_signed_in_allowed(never_cache(login_required(require_POST(step))))  # type: ignore[no-any-return]


@passkey_step
def passkey_register_options(request: HttpRequest) -> JsonResponse:
    return JsonResponse(twofactor.registration_options(request))


@passkey_step
def passkey_register(request: HttpRequest) -> JsonResponse:
    data, credential = _credential_body(request)
    result = twofactor.register_passkey(request, credential, str(data.get("name", ""))[:80])
    messages.success(request, _("Your passkey is saved."))
    next_url = twofactor.safe_next(request, str(data.get("next", "")))
    response = _show_codes_once(request, result.recovery_codes, next_url)
    return JsonResponse({"redirect": response["Location"]})


@passkey_step
def passkey_auth_options(request: HttpRequest) -> JsonResponse:
    return JsonResponse(twofactor.authentication_options(request))


@passkey_step
def passkey_auth(request: HttpRequest) -> JsonResponse:
    data, credential = _credential_body(request)
    twofactor.verify_passkey(request, credential)
    return JsonResponse({"redirect": twofactor.safe_next(request, str(data.get("next", "")))})


# --------------------------------------------------------------------------- a national admin's reset


@never_cache
@login_required
def second_factor_users(request: HttpRequest) -> HttpResponse:
    """Find a staff member by e-mail to reset their second factors (a lost phone)."""
    require_national(request)
    form = UserSearchForm(request.GET or None)
    found: list[tuple[User, dict[str, int]]] = []
    if form.is_valid() and form.cleaned_data["email"].strip():
        users = User.objects.filter(email__icontains=form.cleaned_data["email"].strip()).order_by("email")[:20]
        found = [(user, twofactor.factor_summary(user)) for user in users]
    return render(request, "accounts/second_factor_users.html", {"form": form, "found": found})


@never_cache
@login_required
def second_factor_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    require_national(request)
    target = get_object_or_404(User, pk=user_id)
    if request.method == "POST":
        twofactor.reset_factors(request.user, target)  # type: ignore[arg-type]
        messages.success(
            request,
            _("The second factors of %(user)s are removed. They set up a new one at their next sign-in.")
            % {"user": target.email},
        )
        return redirect("accounts:second_factor_users")
    summary = twofactor.factor_summary(target)
    return render(request, "accounts/second_factor_reset.html", {"target": target, "summary": summary})


@login_required
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.change_password(request, user, form.cleaned_data["new_password1"])
        messages.success(request, _("Your password has been changed. Your other sessions have been signed out."))
        return redirect("accounts:password")
    return render(request, "accounts/password.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def locks(request: HttpRequest) -> HttpResponse:
    require_national(request)
    if request.method == "POST":
        form = UnlockForm(request.POST)
        if form.is_valid():
            user = request.user
            assert isinstance(user, User)
            try:
                services.unlock(user, form.cleaned_data["kind"], form.cleaned_data["value"])
            except services.AccountError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Unlocked. Sign-in can be tried again at once."))
        else:
            messages.error(request, _("That lock has already ended."))
        return redirect("accounts:locks")
    return render(request, "accounts/locks.html", {"locks": services.current_locks()})
