from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """One fixed window of one rate limit (kaiku.web.ratelimit): a hashed key and a count.

    A row, not a cache entry: the increment must be atomic across workers and servers,
    which Django's database cache (get, then set) is not.
    """

    key = models.CharField(max_length=100, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key
