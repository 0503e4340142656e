"""The read log: reads of holder data are logged (who, what, when, from where); the door's checks are not."""

from __future__ import annotations

from django.urls import reverse

from kaiku.door import codes
from kaiku.privacy.models import ReadEntry


def test_a_card_page_read_by_distributor_staff_is_logged_and_a_door_check_is_not(world):
    client = world.client_for("distributor")
    page = client.get(reverse("cards:detail", args=[world.card_a.pk]), REMOTE_ADDR="10.1.2.3")
    assert "no-store" in page["Cache-Control"]
    entry = ReadEntry.objects.get()
    assert (entry.actor, entry.what, entry.object_id, entry.address) == (
        world.users["distributor"],
        ReadEntry.What.CARD,
        str(world.card_a.pk),
        "10.1.2.3",
    )
    door = world.client_for("venue_staff")
    answer = door.post(
        f"/api/door/venues/{world.venue_a.pk}/check/",
        {"text": codes.card_code(world.card_a)},
        content_type="application/json",
    )
    assert answer.status_code == 200
    door.get(reverse("visits:venue", args=[world.venue_a.pk]))
    assert ReadEntry.objects.count() == 1


def test_searches_downloads_exports_and_national_views_are_logged_without_what_was_searched(world):
    distributor = world.client_for("distributor")
    distributor.get(reverse("cards:site_cards", args=[world.distributor_a.pk]), {"q": world.card_a.number})
    distributor.get(reverse("door:holder_slip", args=[world.card_a.pk]))
    national = world.client_for("national_admin")
    national.get(reverse("stats:national"))
    national.get(reverse("stats:national_export"), {"table": "months", "format": "csv"})
    national.get(reverse("stats:yearly"))
    whats = sorted(ReadEntry.objects.values_list("what", flat=True))
    assert whats == sorted(["card_search", "holder_download", "national_view", "stats_export", "national_view"])
    stored = " ".join(f"{e.object_id} {e.detail}" for e in ReadEntry.objects.all())
    assert world.card_a.number not in stored and world.card_a.display_number not in stored
    # A suppressed view (a coordinator's area) is not an unsuppressed national read.
    world.client_for("coordinator").get(reverse("stats:area", args=[world.area_a.pk]))
    assert ReadEntry.objects.count() == 5


def test_the_national_admin_filters_the_read_log(world):
    world.client_for("distributor").get(reverse("cards:detail", args=[world.card_a.pk]))
    national = world.client_for("national_admin")
    national.get(reverse("stats:yearly"))
    page = national.get(reverse("privacy:reads"), {"what": "card"})
    assert page["Cache-Control"].count("no-store")
    assert [e.what for e in page.context["page"].object_list] == ["card"]
    page = national.get(reverse("privacy:reads"), {"who": world.users["national_admin"].email})
    assert [e.what for e in page.context["page"].object_list] == ["national_view"]
    assert national.get(reverse("privacy:reads"), {"start": "not a date"}).status_code == 200
