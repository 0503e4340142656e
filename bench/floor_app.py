"""A floor for recording a use over HTTP: the statements alone, outside Django's request handling.

``record_use.py --floor`` serves this WSGI application instead of ``kaiku.wsgi``. It
answers ``POST /bench/floor-use/`` itself, with the door API's request and answer
shape, and hands every other request to Kaiku unchanged (one string comparison more).

It is not a way to record uses: it skips every rule of DESIGN §4, the serializer, the
audit and the statistics' rollups. It runs only the statements no use can do without,
as raw SQL through Django's database connection (the same SQLite options, or the
same PostgreSQL settings): the device token, the card, the idempotency key, the
``Use`` row, its fact and the pending row, in one transaction. Its throughput against
``/healthz`` is what recording could reach in this stack if Django, DRF, the model
layer and the rules cost nothing; `bench/RESULTS.md` uses it to judge the goal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.db import close_old_connections, connection, transaction

from kaiku.cards import numbers
from kaiku.wsgi import application as kaiku_application

PATH = "/bench/floor-use/"

_DEVICE = "SELECT venue_id FROM door_devicetoken WHERE token_hash = %s AND revoked_at IS NULL"
_CARD = "SELECT id, kind, site_id, gender FROM cards_card WHERE number = %s"
_KNOWN = "SELECT id FROM visits_use WHERE venue_id = %s AND idempotency_key = %s"
_USE = """
INSERT INTO visits_use (typed_number, outcome, reason, forced, override_reason, adults, children,
    community_clients, assistants, sector, channel, scanned_at, received_at, used_on, late,
    idempotency_key, recorded_via, void_reason, card_id, venue_id)
VALUES (%s, 'accepted', '', %s, '', 1, %s, 0, 0, 'culture', 'door', %s, %s, %s, %s, %s, 'floor', '', %s, %s)
RETURNING id
"""
_FACT = """
INSERT INTO stats_usefact (use_id, day, year, month, card_key, age_band, gender, card_kind, sector,
    art_form, adults, children, community_clients, assistants, channel, outcome, reason, voided,
    card_site_id, venue_id)
VALUES (%s, %s, %s, %s, %s, '', %s, %s, 'culture', '', 1, %s, 0, 0, 'door', 'accepted', '', %s, %s, %s)
RETURNING id
"""
_PENDING = "INSERT INTO stats_pendingfact (fact_id) VALUES (%s)"

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _answer(start_response: StartResponse, status: str, data: object) -> list[bytes]:
    body = json.dumps(data).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _record(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    batch = json.loads(environ["wsgi.input"].read(length))
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    ops = connection.ops
    results = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_DEVICE, [token_hash])
        device = cursor.fetchone()
        if scheme != "Device" or device is None:
            return _answer(start_response, "401 Unauthorized", {"detail": "unknown device"})
        venue_id = device[0]
        for item in batch["uses"]:
            cursor.execute(_CARD, [numbers.normalise(item["text"])])
            card = cursor.fetchone()
            if card is None:
                results.append({"key": item["key"], "status": "refused", "reason": "unknown"})
                continue
            cursor.execute(_KNOWN, [venue_id, item["key"]])
            known = cursor.fetchone()
            if known is not None:
                results.append({"key": item["key"], "status": "accepted", "use": known[0], "created": False})
                continue
            now = dt.datetime.now(dt.UTC)
            today = now.date()
            stamp, day = ops.adapt_datetimefield_value(now), ops.adapt_datefield_value(today)
            children = item.get("children", 0)
            cursor.execute(
                _USE, [item["text"], False, children, stamp, stamp, day, False, item["key"], card[0], venue_id]
            )
            use_id = cursor.fetchone()[0]
            fact = [use_id, day, today.year, today.month, card[0], card[3], card[1], children, False, card[2], venue_id]
            cursor.execute(_FACT, fact)
            cursor.execute(_PENDING, [cursor.fetchone()[0]])
            results.append({"key": item["key"], "status": "accepted", "use": use_id, "created": True})
    return _answer(start_response, "200 OK", {"results": results})


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") == "POST":
        try:
            return _record(environ, start_response)
        finally:
            close_old_connections()
    return kaiku_application(environ, start_response)  # type: ignore[no-any-return]
