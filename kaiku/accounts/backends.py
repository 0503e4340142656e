"""Authentication: Django's model backend, with the per-request user look-up prepared."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from kaiku.accounts.models import User
from kaiku.dbbackends.prepared import Prepared

_BY_ID = Prepared(lambda pk: User.objects.filter(pk=pk), int)


class AccountBackend(ModelBackend):
    """Every signed-in request loads its user by id: that query is compiled once."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = _BY_ID.first(pk)
        return user if user is not None and self.user_can_authenticate(user) else None
