"""The provider's own sign-in (any e-mail address, no password) and client registration for tests."""

from __future__ import annotations

import json

from django.contrib.auth import login
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import Application

from kaiku.testing.oidc_provider.validators import UNVERIFIED

FORM = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>
<h1>Test identity provider</h1><form method="post" action="/login/">
<label for="email">E-mail</label> <input id="email" name="email" type="email">
<input type="checkbox" id="verified" name="verified" value="1" checked> <label for="verified">Verified</label>
<input type="hidden" name="next" value="{next}"><button type="submit">Sign in</button></form></main></body></html>"""


@csrf_exempt
def signin(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(FORM.format(next=escape(request.GET.get("next", "/"))))
    email = request.POST["email"].strip()
    # The person (``sub``) is the username, by default the address; a test may give
    # the same address to another person, or another address to the same person.
    username = request.POST.get("username") or email
    user, _ = User.objects.get_or_create(username=username[:150])
    user.email = email
    user.last_name = "" if request.POST.get("verified") else UNVERIFIED
    user.save()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(request.POST.get("next") or "/")


@csrf_exempt
def register_client(request: HttpRequest) -> HttpResponse:
    """POST {client_id, client_secret, redirect_uri, quirk}: a confidential code-flow client."""
    data = json.loads(request.body)
    Application.objects.update_or_create(
        client_id=data["client_id"],
        defaults={
            "client_secret": data["client_secret"],
            "name": data.get("quirk", ""),
            "redirect_uris": data["redirect_uri"],
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "algorithm": Application.RS256_ALGORITHM,
            "skip_authorization": True,
        },
    )
    return JsonResponse({"client_id": data["client_id"]}, status=201)
