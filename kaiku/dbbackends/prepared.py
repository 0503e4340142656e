"""``insert``: an ``INSERT`` built once per model, for the statistics writes of a use.

Kept only because ``kaiku.stats.facts`` (being rewritten into one statistics model,
issue 21 item 1) imports it; the register's own writes use the ORM. Delete this
module when that rewrite lands without it.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import Model

_INSERTS: dict[tuple[type[Model], str], tuple[str, list[Any], bool]] = {}


def insert(obj: Model, using: str = "default") -> None:
    """INSERT one new row for obj and set its primary key, as ``save(force_insert=True)``."""
    connection = connections[using]
    model = type(obj)
    key = (model, f"{using}:{connection.vendor}")
    cached = _INSERTS.get(key)
    if cached is None:
        meta = model._meta
        fields = [f for f in meta.local_concrete_fields if not (f.primary_key and getattr(f, "db_returning", False))]
        qn = connection.ops.quote_name
        returning = bool(getattr(meta.pk, "db_returning", False)) and connection.features.can_return_columns_from_insert
        sql = (
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608 (names from the model, values as parameters)
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        if returning:
            sql += f" RETURNING {qn(meta.pk.column)}"
        cached = (sql, fields, returning)
        _INSERTS[key] = cached
    sql, fields, returning = cached
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if getattr(model._meta.pk, "db_returning", False):
            pk = cursor.fetchone()[0] if returning else cursor.lastrowid
            obj.pk = pk
    obj._state.adding = False
    obj._state.db = using
