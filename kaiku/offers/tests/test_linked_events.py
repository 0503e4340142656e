"""Linked Events import: multilingual events with occurrences, re-import, deletions, malformed input."""

import datetime as dt
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from kaiku.audit.models import AuditEntry
from kaiku.offers.linked_events import LinkedEventsError, load
from kaiku.offers.models import ArtForm, Occurrence, Offer

FIXTURES = Path(__file__).parent / "fixtures"
UTC = ZoneInfo("UTC")


def _import(world, name):
    out = StringIO()
    call_command("import_linked_events", str(FIXTURES / name), venue=world.venue_a.pk, stdout=out)
    return out.getvalue()


def test_it_imports_a_multilingual_recurring_event_with_occurrences(world):
    output = _import(world, "linked_events_page.json")
    assert "created: 3" in output
    offer = Offer.objects.get(external_id="tampere:kesakonsertit")
    assert offer.venue == world.venue_a
    assert (offer.title_fi, offer.title_sv, offer.title_en) == (
        "Kesäkonsertit puistossa",
        "Sommarkonserter i parken",
        "Summer concerts in the park",
    )
    assert offer.description_fi == "Kolme iltaa musiikkia puistossa."
    assert offer.description_sv.startswith("Tre kvällar")
    assert offer.art_form == ArtForm.MUSIC
    assert offer.image_url == "https://images.example.fi/konsertti.jpg"
    assert offer.image_alt == "Orkesteri soittaa puistossa"
    assert offer.info_url == "https://www.example.fi/kesakonsertit"
    starts = [o.starts_at for o in offer.occurrences.order_by("starts_at")]
    assert starts == [dt.datetime(2026, 7, 1, 15, tzinfo=UTC), dt.datetime(2026, 7, 8, 15, tzinfo=UTC)]
    first = offer.occurrences.get(external_id="tampere:kesakonsertit-1")
    assert first.place == "Hämeenpuisto, Hämeenpuisto 1"
    assert first.ends_at == dt.datetime(2026, 7, 1, 17, tzinfo=UTC)
    assert (offer.starts_on, offer.ends_on) == (dt.date(2026, 7, 1), dt.date(2026, 7, 8))


def test_it_imports_a_standalone_event_and_a_course(world):
    _import(world, "linked_events_page.json")
    exhibition = Offer.objects.get(external_id="tampere:nayttely")
    assert exhibition.art_form == ArtForm.VISUAL_ARTS
    assert exhibition.occurrences.get().place == "2. kerros"
    course = Offer.objects.get(external_id="tampere:kurssi-maalaus")
    assert course.kind == Offer.Kind.COURSE and course.sector == "education"
    assert (course.starts_on, course.ends_on) == (dt.date(2026, 9, 1), dt.date(2026, 11, 30))
    assert not course.occurrences.exists()


def test_reimport_updates_and_never_duplicates(world):
    _import(world, "linked_events_page.json")
    _import(world, "linked_events_page.json")
    assert Offer.objects.count() == 3
    assert Occurrence.objects.count() == 3
    output = _import(world, "linked_events_update.json")
    assert "created: 0" in output
    offer = Offer.objects.get(external_id="tampere:kesakonsertit")
    assert offer.title_fi == "Kesäkonsertit Hämeenpuistossa"
    assert offer.description_fi == "Neljä iltaa musiikkia."
    assert offer.occurrences.count() == 3
    assert offer.occurrences.get(external_id="tampere:kesakonsertit-2").cancelled
    assert offer.ends_on == dt.date(2026, 7, 22)
    assert Offer.objects.count() == 3


def test_staff_settings_survive_a_reimport(world):
    _import(world, "linked_events_page.json")
    Offer.objects.filter(external_id="tampere:kesakonsertit").update(quota=7, ticket_method="phone", sold_out=True)
    _import(world, "linked_events_update.json")
    offer = Offer.objects.get(external_id="tampere:kesakonsertit")
    assert (offer.quota, offer.ticket_method, offer.sold_out) == (7, "phone", True)


def test_a_deleted_event_unpublishes_its_offer(world):
    _import(world, "linked_events_page.json")
    output = _import(world, "linked_events_deleted.json")
    assert "unpublished: 1" in output
    exhibition = Offer.objects.get(external_id="tampere:nayttely")
    assert not exhibition.published
    assert exhibition.title_fi == "Valokuvanäyttely"  # not overwritten by the deleted stub
    assert exhibition.occurrences.get().cancelled
    assert not Offer.objects.filter(external_id="tampere:ei-koskaan-tuotu").exists()
    assert exhibition not in Offer.objects.public()


def test_malformed_input_imports_nothing_and_says_why(world):
    with pytest.raises(CommandError) as exc:
        _import(world, "linked_events_malformed.json")
    message = str(exc.value)
    assert "Nothing was imported" in message
    assert "tampere:huono-aika" in message and "ISO 8601" in message
    assert "event 3: no id" in message
    assert "end_time is before start_time" in message
    assert not Offer.objects.exists()
    assert not AuditEntry.objects.filter(action="offers.linked_events_import").exists()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "not JSON"),
        ('{"meta": {}}', "expected a Linked Events API page"),
        ('{"data": []}', "no events"),
        ('{"data": [1]}', "not an event object"),
    ],
)
def test_it_rejects_files_that_are_not_linked_events(text, problem):
    with pytest.raises(LinkedEventsError) as exc:
        load(text)
    assert problem in str(exc.value)


def test_it_needs_a_venue(world):
    with pytest.raises(CommandError):
        call_command("import_linked_events", str(FIXTURES / "linked_events_page.json"), venue=world.distributor_a.pk)


def test_a_sub_event_whose_super_event_is_unknown_imports_nothing(world, tmp_path):
    path = tmp_path / "orphan.json"
    path.write_text(
        '[{"id": "x:1", "name": {"fi": "A"}, "start_time": "2026-07-01T10:00:00Z"},'
        ' {"id": "x:2", "super_event": {"@id": "https://h/event/x:missing/"}, "name": {"fi": "B"},'
        ' "start_time": "2026-07-01T10:00:00Z"}]'
    )
    with pytest.raises(CommandError) as exc:
        call_command("import_linked_events", str(path), venue=world.venue_a.pk)
    assert "x:missing" in str(exc.value)
    assert not Offer.objects.exists()
