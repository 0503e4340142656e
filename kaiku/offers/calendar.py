"""An offer as iCalendar (RFC 5545) and as schema.org structured data (JSON-LD)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import icalendar
from django.utils import timezone

from kaiku.offers.models import Occurrence, Offer


def _place(offer: Offer, occurrence: Occurrence | None = None) -> str:
    parts = [occurrence.place if occurrence and occurrence.place else "", offer.venue.name, offer.venue.address]
    return ", ".join(p for p in parts if p)


def ical(offer: Offer, occurrences: Iterable[Occurrence], url: str, now: dt.datetime) -> bytes:
    """The offer's upcoming dates, or its run of days when it has none, as one calendar."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Kaikukortti//Kaiku//FI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    description = f"{offer.description}\n\n{url}".strip()

    def event(uid: str, start: dt.date, end: dt.date, location: str) -> None:
        item = icalendar.Event()
        item.add("uid", uid)
        item.add("dtstamp", now.astimezone(dt.UTC))
        item.add("dtstart", start)
        item.add("dtend", end)
        item.add("summary", offer.title)
        item.add("description", description)
        item.add("location", location)
        item.add("url", url)
        cal.add_component(item)

    occurrences = list(occurrences)
    for occ in occurrences:
        ends = occ.ends_at or occ.starts_at + dt.timedelta(hours=2)
        event(
            f"kaiku-occurrence-{occ.pk}@kaikukortti",
            occ.starts_at.astimezone(dt.UTC),
            ends.astimezone(dt.UTC),
            _place(offer, occ),
        )
    if not occurrences and offer.starts_on:
        last = offer.ends_on or offer.starts_on
        event(f"kaiku-offer-{offer.pk}@kaikukortti", offer.starts_on, last + dt.timedelta(days=1), _place(offer))
    return cal.to_ical()


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
