"""An offer as iCalendar (RFC 5545) and as schema.org structured data (JSON-LD)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from kaiku.offers.models import Occurrence, Offer


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character."""
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _place(offer: Offer, occurrence: Occurrence | None = None) -> str:
    parts = [occurrence.place if occurrence and occurrence.place else "", offer.venue.name, offer.venue.address]
    return ", ".join(p for p in parts if p)


def ical(offer: Offer, occurrences: Iterable[Occurrence], url: str, now: dt.datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kaikukortti//Kaiku//FI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    description = _escape(f"{offer.description}\n\n{url}".strip())

    def event(uid: str, start: list[str], end: list[str], location: str) -> None:
        lines.extend(
            [
                "BEGIN:VEVENT",
                f"UID:{uid}",
                f"DTSTAMP:{_utc(now)}",
                *start,
                *end,
                f"SUMMARY:{_escape(offer.title)}",
                f"DESCRIPTION:{description}",
                f"LOCATION:{_escape(location)}",
                f"URL:{url}",
                "END:VEVENT",
            ]
        )

    occurrences = list(occurrences)
    for occ in occurrences:
        ends = occ.ends_at or occ.starts_at + dt.timedelta(hours=2)
        event(
            f"kaiku-occurrence-{occ.pk}@kaikukortti",
            [f"DTSTART:{_utc(occ.starts_at)}"],
            [f"DTEND:{_utc(ends)}"],
            _place(offer, occ),
        )
    if not occurrences and offer.starts_on:
        last = offer.ends_on or offer.starts_on
        event(
            f"kaiku-offer-{offer.pk}@kaikukortti",
            [f"DTSTART;VALUE=DATE:{offer.starts_on:%Y%m%d}"],
            [f"DTEND;VALUE=DATE:{last + dt.timedelta(days=1):%Y%m%d}"],
            _place(offer),
        )
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def structured_data(
    offer: Offer, occurrences: list[Occurrence], url: str, site_root: str
) -> list[dict[str, Any]] | dict[str, Any]:
    """schema.org Event(s) for the offer: free admission for Kaikukortti holders."""
    venue = offer.venue
    place: dict[str, Any] = {"@type": "Place", "name": venue.name}
    if venue.address:
        place["address"] = {
            "@type": "PostalAddress",
            "streetAddress": venue.address,
            "addressLocality": str(venue.municipality) if venue.municipality else "",
            "addressCountry": "FI",
        }
    base: dict[str, Any] = {
        "@context": "https://schema.org",
        "name": offer.title,
        "description": offer.description,
        "url": url,
        "location": place,
        "organizer": {"@type": "Organization", "name": venue.name, **({"url": venue.website} if venue.website else {})},
        "isAccessibleForFree": True,
        "offers": {
            "@type": "Offer",
            "price": "0",
            "priceCurrency": "EUR",
            "url": url,
            "availability": "https://schema.org/SoldOut"
            if offer.sold_out
            else "https://schema.org/LimitedAvailability",
            "eligibleCustomerType": "Kaikukortti",
        },
    }
    if offer.picture_url:
        image = offer.picture_url
        base["image"] = image if image.startswith("http") else site_root.rstrip("/") + image
    if offer.min_age:
        base["typicalAgeRange"] = f"{offer.min_age}-"
    if offer.is_course:
        return {**base, "@type": "Course", "provider": base.pop("organizer")}
    if occurrences:
        return [
            {
                **base,
                "@type": "Event",
                "startDate": timezone.localtime(occ.starts_at).isoformat(),
                **({"endDate": timezone.localtime(occ.ends_at).isoformat()} if occ.ends_at else {}),
                "eventStatus": "https://schema.org/EventCancelled"
                if occ.cancelled
                else "https://schema.org/EventScheduled",
                "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
            }
            for occ in occurrences
        ]
    event = {**base, "@type": "Event", "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode"}
    if offer.starts_on:
        event["startDate"] = offer.starts_on.isoformat()
    if offer.ends_on:
        event["endDate"] = offer.ends_on.isoformat()
    return event
