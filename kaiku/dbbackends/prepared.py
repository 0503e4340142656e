"""Queries compiled once and run many times: the hot paths' way around ORM overhead.

Building SQL from a queryset costs the ORM several hundred microseconds, while
running the SQL it builds costs a few dozen. A door records a use with a handful
of lookups by key (a card by number, a user by id, a venue by id), the same SQL
every time with other values. ``Prepared`` writes such a lookup as an ordinary
queryset, compiles it once per database connection setup (vendor) and afterwards
only executes it, turning rows into model instances the way the ORM does
(``select_related`` included) or returning plain tuples for ``values_list``.

``insert`` is the same idea for ``INSERT``: the statement is built once per model
and each call only prepares the values, as ``Model.save(force_insert=True)`` would
(``auto_now_add`` included), without signals, which no Kaiku model uses.

Only exact lookups on string and integer values can be parameters: the queryset
is compiled with unique sentinel values, and each must appear exactly once among
the compiled parameters, unchanged, or compiling fails loudly.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators  # type: ignore[attr-defined]

M = TypeVar("M", bound=Model)

_SENTINELS = itertools.count(1)


class Param:
    """A placeholder for a value given when the prepared query runs."""

    def __init__(self, kind: type[int] | type[str] = str) -> None:
        n = next(_SENTINELS)
        # Values no real lookup uses: a string with a NUL byte, a large negative integer.
        self.sentinel: int | str = -(10**15) - n if kind is int else f"\x00kaiku-param-{n}\x00"


@dataclass
class _Compiled:
    sql: str
    params: list[Any]
    slots: list[int]  # for each Param, its index in params
    compiler: Any
    converters: dict[int, Any]
    flat: bool  # values_list: rows are tuples, not instances


class Prepared(Generic[M]):
    """A queryset written once with ``Param`` placeholders, compiled on first use.

    >>> by_number = Prepared(lambda p: Card.objects.filter(number=p), str)
    >>> by_number.first("KK7F3K92QD")
    """

    def __init__(self, build: Callable[..., QuerySet[M, Any]], *kinds: type[int] | type[str]) -> None:
        self._build = build
        self._kinds = kinds
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, alias: str) -> _Compiled:
        connection = connections[alias]
        key = f"{alias}:{connection.vendor}"
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        params = [Param(kind) for kind in self._kinds]
        queryset = self._build(*(p.sentinel for p in params))
        compiler = queryset.query.get_compiler(using=alias)
        sql, compiled_params = compiler.as_sql()
        slots = []
        for p in params:
            found = [i for i, value in enumerate(compiled_params) if value == p.sentinel]
            if len(found) != 1:
                raise ValueError(f"a prepared parameter must appear exactly once, unchanged, in: {sql}")
            slots.append(found[0])
        flat = queryset._iterable_class is not ModelIterable
        converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        compiled = _Compiled(sql, list(compiled_params), slots, compiler, converters, flat)
        self._compiled[key] = compiled
        return compiled

    def _rows(self, compiled: _Compiled, alias: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        if len(values) != len(compiled.slots):
            raise TypeError(f"expected {len(compiled.slots)} parameters, got {len(values)}")
        params = list(compiled.params)
        for slot, value in zip(compiled.slots, values, strict=True):
            params[slot] = value
        with connections[alias].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            raw = cursor.fetchall()
        if not raw or not compiled.converters:
            return raw
        return [tuple(row) for row in compiled.compiler.apply_converters(raw, compiled.converters)]

    def values(self, *values: Any, using: str = "default") -> list[tuple[Any, ...]]:
        """The rows as tuples (for a ``values_list`` queryset)."""
        compiled = self._compile(using)
        return self._rows(compiled, using, values)

    def all(self, *values: Any, using: str = "default") -> list[M]:
        """The rows as model instances, related objects of ``select_related`` attached."""
        compiled = self._compile(using)
        if compiled.flat:
            raise TypeError("a values_list query gives tuples: use .values()")
        rows = self._rows(compiled, using, values)
        if not rows:
            return []
        # As django.db.models.query.ModelIterable does it.
        compiler = compiled.compiler
        select, klass_info = compiler.select, compiler.klass_info
        model_cls = klass_info["model"]
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        names = [f[0].target.attname for f in select[start:end]]
        populators = get_related_populators(klass_info, select, using)
        objects = []
        for row in rows:
            obj = model_cls.from_db(using, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects

    def first(self, *values: Any, using: str = "default") -> M | None:
        found = self.all(*values, using=using)
        return found[0] if found else None


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
