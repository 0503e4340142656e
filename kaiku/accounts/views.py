"""Staff account pages: one's own password, and sign-in locks for the national admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kaiku.accounts import services
from kaiku.accounts.forms import UnlockForm
from kaiku.accounts.models import User
from kaiku.accounts.scopes import request_scope


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
    if not request_scope(request).national:
        raise PermissionDenied
    if request.method == "POST":
        form = UnlockForm(request.POST)
        if form.is_valid():
            user = request.user
            assert isinstance(user, User)
            try:
                services.unlock(user, form.cleaned_data["kind"], form.cleaned_data["value"])
            except services.AccountError:
                messages.error(request, _("That lock has already ended."))
            else:
                messages.success(request, _("Unlocked. Sign-in can be tried again at once."))
        else:
            messages.error(request, _("That lock has already ended."))
        return redirect("accounts:locks")
    return render(request, "accounts/locks.html", {"locks": services.current_locks()})
