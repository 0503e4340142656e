"""Database sessions read with a prepared query.

Every signed-in request loads its session; Django's database backend builds that
``SELECT`` anew each time, which costs more than running it. This store reads the
same row with a query compiled once (``kaiku.dbbackends.prepared``) and keeps
everything else, expiry and key rotation included, as Django does.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db import router
from django.utils import timezone

from kaiku.dbbackends.prepared import Prepared

_BY_KEY = Prepared(lambda key: Session.objects.filter(session_key=key), str)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        session = _BY_KEY.first(key, using=router.db_for_read(Session)) if key else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session
