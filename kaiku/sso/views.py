"""Single sign-on: the staff member's way in, and the national admin's provider pages."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kaiku.accounts import twofactor
from kaiku.accounts.models import User
from kaiku.accounts.scopes import require_national
from kaiku.audit.services import diff, snapshot
from kaiku.sso import services
from kaiku.sso.forms import ProviderForm, SignInForm
from kaiku.sso.models import IdentityProvider
from kaiku.sso.services import SSOError

# The backend that loads the user on later requests, as for a password login.
BACKEND = "django.contrib.auth.backends.ModelBackend"
AUDITED_FIELDS = [f for f in ProviderForm.Meta.fields]


@never_cache
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SignInForm(request.POST)
        if form.is_valid():
            try:
                provider = services.provider_for_email(form.cleaned_data["email"])
                return services.start(request, provider, form.cleaned_data["next"])
            except SSOError as error:
                form.add_error("email" if error.code == "no_provider" else None, error.message)
        status = 400
    else:
        form = SignInForm(initial={"next": request.GET.get("next", "")[:2000]})
        status = 200
    return render(request, "sso/signin.html", {"form": form}, status=status)


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    try:
        user, provider = services.complete(request)
    except SSOError as error:
        context = {"form": SignInForm(), "error": error}
        return render(request, "sso/signin.html", context, status=403)
    next_url = services.after_login_url(request)
    # Django's login(), as the password form does: the session key rotates, signals fire,
    # and middleware that asks for a second factor sees an ordinary signed-in session.
    login(request, user, backend=BACKEND)
    if provider.trusted_for_second_factor:
        # The provider asked for a second factor itself: this session has passed it.
        twofactor.mark_verified(request, twofactor.Method.TRUSTED_PROVIDER)
        request.session[services.SESSION_SECOND_FACTOR] = True
    return redirect(twofactor.post_login_redirect(request, next_url))


@never_cache
@login_required
@require_GET
def provider_list(request: HttpRequest) -> HttpResponse:
    require_national(request)
    providers = IdentityProvider.objects.select_related("area", "site")
    context = {"providers": providers, "redirect_uri": services.redirect_uri()}
    return render(request, "sso/provider_list.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def provider_create(request: HttpRequest) -> HttpResponse:
    return _provider_form(request, IdentityProvider())


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def provider_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_national(request)
    return _provider_form(request, get_object_or_404(IdentityProvider, pk=pk))


def _provider_form(request: HttpRequest, provider: IdentityProvider) -> HttpResponse:
    require_national(request)
    before = snapshot(provider, AUDITED_FIELDS) if provider.pk else {}
    form = ProviderForm(request.POST or None, instance=provider)
    if request.method == "POST" and form.is_valid():
        provider = form.save(commit=False)
        changes = diff(before, snapshot(provider, AUDITED_FIELDS))
        actor = request.user
        assert isinstance(actor, User)
        services.save_provider(actor, provider, client_secret=form.cleaned_data["client_secret"], changes=changes)
        return redirect("sso:provider_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "sso/provider_form.html", {"form": form, "provider": provider}, status=status)
