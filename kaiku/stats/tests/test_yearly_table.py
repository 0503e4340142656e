"""The national yearly table reproduces the published 2023 row exactly (DESIGN §1)."""

import datetime as dt

import pytest
from django.utils import translation

from kaiku.network.models import Municipality
from kaiku.stats.bulk import insert_rows
from kaiku.stats.intake import rebuild_derived
from kaiku.stats.models import CardFact, UseFact
from kaiku.stats.queries import (
    SECTORS,
    YEARLY_HEADINGS,
    StatsScope,
    yearly_export,
    yearly_matrix,
    yearly_rows,
    yearly_table,
)

PUBLISHED_2023 = ["2023", "14789", "5608", "16193/2043/1986/22524", "2414/27/1432/4569", "51188", "61"]
ADULTS = dict(zip(SECTORS, [16193, 2043, 1986, 22524], strict=True))
CHILDREN = dict(zip(SECTORS, [2414, 27, 1432, 4569], strict=True))
CARDS_USED = 5608
REGISTERED = 14789
MUNICIPALITIES = 61

USE_FIELDS = [
    "day", "year", "month", "sector", "card_key", "card_kind", "adults", "children", "community_clients",
    "assistants", "channel", "outcome", "reason", "voided", "venue_municipality_id", "venue_area_id",
    "card_area_id", "age_band", "gender", "art_form",
]  # fmt: skip
CARD_FIELDS = [
    "kind",
    "day",
    "year",
    "month",
    "card_key",
    "site_municipality_id",
    "card_area_id",
    "age_band",
    "gender",
    "card_kind",
]


def _use(day, sector, card_key, *, kind="personal", children=0, community=0, assistants=0, outcome="accepted",
         reason="", voided=False, muni=None, area=None):  # fmt: skip
    return (day, day.year, day.month, sector, card_key, kind, 1, children, community, assistants, "scan", outcome,
            reason, voided, muni, area, area, "unknown", "", "")  # fmt: skip


def build_2023(world):
    """Fact rows whose 2023 totals equal the published row, plus rows that must not count."""
    munis = Municipality.objects.bulk_create(
        [Municipality(code=f"{100 + i:03d}", name_fi=f"Kunta {i}", area=world.area_a) for i in range(MUNICIPALITIES)]
    )
    area = world.area_a.pk
    rows = []
    i = 0
    for sector in SECTORS:
        children_left = CHILDREN[sector]
        for n in range(ADULTS[sector]):
            day = dt.date(2023, 1 + i % 12, 1 + i % 28)
            kids = min(children_left, 1 + n % 2)
            children_left -= kids
            # Community-card clients under 16 count as child uses too.
            community = n % 7 == 0
            rows.append(
                _use(
                    day,
                    sector,
                    1 + i % CARDS_USED,
                    kind="community" if community else "personal",
                    children=0 if community else kids,
                    community=kids if community else 0,
                    assistants=int(i % 3 == 0),
                    muni=munis[i % MUNICIPALITIES].pk,
                    area=area,
                )
            )
            i += 1
        assert children_left == 0
    # Not counted: refused attempts, voided uses, other years' uses.
    rows.append(_use(dt.date(2023, 5, 5), "culture", 900_001, outcome="refused", reason="expired", muni=munis[0].pk))
    rows.append(_use(dt.date(2023, 5, 5), "culture", 900_002, voided=True, children=3, muni=munis[0].pk))
    rows.append(_use(dt.date(2022, 12, 31), "sports", 900_003, children=1, muni=munis[0].pk))
    rows.append(_use(dt.date(2024, 1, 1), "sports", 1, muni=munis[1].pk))
    insert_rows(UseFact, USE_FIELDS, rows)
    cards = [
        (
            "registered",
            dt.date(2023, 1 + n % 12, 1),
            2023,
            1 + n % 12,
            n,
            munis[n % MUNICIPALITIES].pk,
            area,
            "unknown",
            "",
            "personal",
        )
        for n in range(REGISTERED)
    ]
    # Renewals are not registrations; another year's registrations are another row.
    cards += [
        ("renewed", dt.date(2023, 3, 1), 2023, 3, n, munis[0].pk, area, "unknown", "", "personal") for n in range(50)
    ]
    cards += [
        ("registered", dt.date(2022, 3, 1), 2022, 3, n, munis[0].pk, area, "unknown", "", "personal") for n in range(7)
    ]
    insert_rows(CardFact, CARD_FIELDS, cards)
    rebuild_derived()


@pytest.mark.django_db
def test_it_reproduces_the_published_2023_row_in_the_table_page_and_export(world):
    build_2023(world)
    rows = yearly_matrix(yearly_table(StatsScope("national", threshold=None)))
    assert rows[1] == PUBLISHED_2023
    assert [r[0] for r in rows] == ["2024", "2023", "2022"]

    client = world.client_for("national_admin")
    body = client.get("/stats/national/yearly/").content.decode()
    for cell in PUBLISHED_2023:
        assert f">{cell}<" in body
    assert body.count('<th scope="col">') == len(YEARLY_HEADINGS)
    assert body.count("<li>") >= 6  # the definitions are printed under the table

    text = client.get("/stats/national/export/?table=yearly&format=csv").content.decode("utf-8-sig")
    # The export has a column per sector, so that every count is a number.
    assert ",".join(c for cell in PUBLISHED_2023 for c in cell.split("/")) in text


@pytest.mark.django_db
def test_cards_taken_into_use_count_a_card_in_its_registration_year_and_the_export_gives_the_other_reading(world):
    """Published-series definition: registered in the year and used in that year; never above registered."""
    muni = Municipality.objects.create(code="991", name_fi="Kunta", area=world.area_a).pk
    area = world.area_a.pk

    def registered(card_key, year):
        return ("registered", dt.date(year, 3, 1), year, 3, card_key, muni, area, "unknown", "", "personal")

    insert_rows(CardFact, CARD_FIELDS, [registered(1, 2023), registered(2, 2023), registered(3, 2022)])
    insert_rows(
        UseFact,
        USE_FIELDS,
        [
            _use(dt.date(2023, 4, 1), "culture", 1, muni=muni, area=area),  # registered and used in 2023
            _use(dt.date(2024, 2, 1), "culture", 2, muni=muni, area=area),  # registered 2023, first used 2024
            _use(dt.date(2023, 5, 1), "culture", 3, muni=muni, area=area),  # registered 2022, used 2023
        ],
    )
    rebuild_derived()
    national = StatsScope("national", threshold=None)
    rows = {r.year: (r.registered, r.taken_into_use) for r in yearly_rows(national)}
    assert rows[2023] == (2, 1)
    assert rows[2022] == (1, 0)
    with translation.override("en"):
        export = yearly_export(national)
    by_now = {row[0]: row[-1] for row in export[1:]}
    assert export[0][-1] == "Registered in the year and used by now"
    assert (by_now[2023], by_now[2022]) == (2, 1)
