from __future__ import annotations

from django.http import HttpRequest

from kaiku.accounts.scopes import request_scope


def roles(request: HttpRequest) -> dict[str, object]:
    return {"scope": request_scope(request)}
