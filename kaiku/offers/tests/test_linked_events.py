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


def test_a_file_with_broken_events_imports_the_others_and_names_the_broken_ones(world):
    output = _import(world, "linked_events_malformed.json")
    assert "created: 1" in output and "skipped: 3" in output
    assert list(Offer.objects.values_list("external_id", flat=True)) == ["tampere:hyva"]
    problems = output.split("Not imported:", 1)[1]
    assert "event 2 (tampere:huono-aika, Huono aika): start_time 'ensi tiistaina' is not an ISO 8601" in problems
    assert "event 3 (Ei tunnistetta): no id" in problems
    assert "event 4 (tampere:nimeton): no name" in problems
    assert "event 4 (tampere:nimeton): end_time is before start_time" in problems
    assert "tampere:hyva" not in problems
    entry = AuditEntry.objects.get(action="offers.linked_events_import")
    assert entry.changes["created"] == 1 and entry.changes["skipped"] == 3


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


def test_a_sub_event_whose_super_event_is_absent_is_an_offer_of_its_own(world, tmp_path):
    path = tmp_path / "orphan.json"
    path.write_text(
        '[{"id": "x:1", "name": {"fi": "A"}, "start_time": "2026-07-01T10:00:00Z"},'
        ' {"id": "x:2", "super_event": {"@id": "https://h/event/x:missing/"}, "name": {"fi": "B"},'
        ' "start_time": "2026-07-02T10:00:00Z"}]'
    )
    call_command("import_linked_events", str(path), venue=world.venue_a.pk, stdout=StringIO())
    orphan = Offer.objects.get(external_id="x:2")
    assert orphan.title_fi == "B" and orphan.starts_on == dt.date(2026, 7, 2)
    assert orphan.occurrences.get().starts_at == dt.datetime(2026, 7, 2, 10, tzinfo=UTC)
    assert Offer.objects.count() == 2


def test_a_sub_event_of_a_super_event_imported_before_joins_its_offer(world, tmp_path):
    first = tmp_path / "super.json"
    first.write_text('[{"id": "x:s", "super_event_type": "recurring", "name": {"fi": "Sarja"}}]')
    call_command("import_linked_events", str(first), venue=world.venue_a.pk, stdout=StringIO())
    later = tmp_path / "sub.json"
    later.write_text(
        '[{"id": "x:3", "super_event": {"@id": "https://h/event/x:s/?format=json"}, "name": {"fi": "Sarja"},'
        ' "start_time": "2026-07-03T10:00:00Z"}]'
    )
    call_command("import_linked_events", str(later), venue=world.venue_a.pk, stdout=StringIO())
    offer = Offer.objects.get()
    assert offer.external_id == "x:s" and offer.occurrences.get().external_id == "x:3"
