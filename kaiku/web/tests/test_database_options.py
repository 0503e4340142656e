"""The database options the hot path keeps (docs/architecture.md, The hot path)."""

import pytest
from django.db import connection

from kaiku.cards.models import Card

pytestmark = pytest.mark.django_db


def test_the_database_runs_with_the_options_settings_give_it(world):
    if connection.vendor == "postgresql":
        # Server-side prepared statements: a statement run twice is planned once per connection.
        for _ in range(3):
            Card.objects.filter(number=world.card_a.number).first()
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        assert any('"cards_card"."number" = $1' in statement for statement in prepared), prepared
    else:
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 1  # NORMAL
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] == 20000
