"""Uses by the holder's home municipality and by life situation (issue 23, item 1)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict

import pytest
from django.utils import translation

from kaiku.cards.models import LifeSituation
from kaiku.cards.tests.factories import CardFactory
from kaiku.network.models import Area, Municipality
from kaiku.privacy.retention import reduce_card
from kaiku.stats import intake
from kaiku.stats.models import UseFact
from kaiku.stats.queries import HOME_CHART_MAX, Filters, StatsScope, _home_table, dashboard, open_data
from kaiku.stats.report import report_context
from kaiku.stats.tests.helpers import add_uses, use, vary_holders
from kaiku.stats.tests.test_suppression import determined_cells, published
from kaiku.stats.views import threshold

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


YEAR = Filters(dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def _history(world):
    vary_holders(world)
    add_uses(world)
    for _ in range(6):
        use(world, world.card_b, world.venue_b, children=2)
    use(world, world.card_l, world.venue_l)
    # A holder of area A living in B's municipality, unemployed: small counts in area A's tables.
    elsewhere = CardFactory(site=world.distributor_a, municipality=world.muni_b, life_situation="unemployed")
    for _ in range(2):
        use(world, elsewhere, world.venue_a)


def _expected(facts, column):
    """[adults, children] per value of a fact column, from the counted facts."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for fact in facts.counted():
        value = getattr(fact, column)
        key = "" if value is None else str(value)
        out[key][0] += fact.adults
        out[key][1] += fact.children + fact.community_clients
    return dict(out)


def _tables(scope, filters):
    return {t.key: t for t in dashboard(scope, filters)[0]}


@pytest.mark.parametrize("level", ["national", "area", "site"])
def test_each_dashboard_groups_uses_by_home_municipality_and_life_situation_as_the_facts_count(world, level):
    _history(world)
    scope = {
        "national": StatsScope("national", threshold=None),
        "area": StatsScope("area", area=world.area_a, threshold=None),
        "site": StatsScope("site", site=world.distributor_a, threshold=None),
    }[level]
    names = {str(m.pk): str(m) for m in (world.muni_a, world.muni_b, world.muni_l)}
    labels = dict(LifeSituation.choices)
    filtered = (
        YEAR,
        Filters(YEAR.start, YEAR.end, sector="culture"),  # the slices
        Filters(YEAR.start, YEAR.end, municipality=world.muni_a),  # the facts
        Filters(dt.date(2026, 6, 1), dt.date(2026, 6, 20)),  # a cut month
    )
    seen = 0
    for filters in filtered:
        facts = filters.apply_uses(scope.uses())
        tables = _tables(scope, filters)
        homes, situations = tables["homes"], tables["life_situations"]
        want = _expected(facts, "card_municipality_id")
        assert dict(zip(homes.rows, homes.values, strict=True)) == {names[k]: v for k, v in want.items()}
        assert homes.rows == sorted(homes.rows)  # by name ("Not known" would come last)
        want = _expected(facts, "life_situation")
        got = dict(zip(situations.rows, situations.values, strict=True))
        assert got == {labels.get(k, "Not stated"): v for k, v in want.items()}
        order = [str(labels[k]) for k in LifeSituation.values if labels[k] in got]
        assert [str(r) for r in situations.rows][: len(order)] == order
        seen += len(homes.rows) + len(situations.rows) > 2
    assert seen >= 2 or level == "site"  # several values of one or the other (the site's: one holder)


def test_unknown_home_comes_last_and_no_life_situation_reads_not_stated(world):
    _history(world)
    UseFact.objects.filter(card_key=world.card_l.pk).update(card_municipality=None)
    intake.rebuild_derived()
    tables = _tables(StatsScope("national", threshold=None), YEAR)
    assert tables["homes"].rows[-1] == "Not known"
    assert "Not stated" in [str(r) for r in tables["life_situations"].rows]


def test_the_new_tables_hide_small_counts_and_their_partners_outside_the_national_view(world):
    _history(world)
    k = threshold()
    for scope in (
        StatsScope("area", area=world.area_a, threshold=k),
        StatsScope("site", site=world.distributor_a, threshold=k),
    ):
        for key in ("homes", "life_situations"):
            table = _tables(scope, YEAR)[key].publish(k)
            m, n = len(table.rows), len(table.columns)
            full = [[*r, sum(r)] for r in table.values]
            full.append([sum(full[i][j] for i in range(m)) for j in range(n + 1)])
            shown = published(table.safe, m, n)
            for (i, j), cell in shown.items():
                if 0 < full[i][j] < k:
                    assert cell.suppressed, (key, i, j)
                if not cell.suppressed:
                    assert not 0 < int(cell.text) < k
            unknown = {
                (i, j) for i in range(m + 1) for j in range(n + 1) if (i, j) not in shown or shown[(i, j)].suppressed
            }
            secret = {cell for cell, shown_cell in shown.items() if shown_cell.suppressed}
            assert secret, key  # the history has small counts in both tables
            assert set(determined_cells(m, n, unknown)) & secret == set()
    national = _tables(StatsScope("national", threshold=None), YEAR)["homes"].publish(None)
    assert not any(c.suppressed for row in national.safe.cells for c in row)


def test_a_venue_dashboard_has_neither_table(world):
    _history(world)
    keys = set(_tables(StatsScope("venue", site=world.venue_a, threshold=threshold()), YEAR))
    assert not keys & {"homes", "life_situations"}
    assert "sectors" in keys


def test_the_export_and_the_area_report_hold_both_tables(world):
    _history(world)
    client = world.client_for("coordinator")
    url = f"/stats/area/{world.area_a.pk}/"
    html = client.get(url).content.decode()
    assert 'id="t-homes"' in html and 'id="t-life_situations"' in html
    text = client.get(f"{url}export/?table=homes&format=csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert world.muni_a.name_fi in [r[0] for r in rows] and world.muni_b.name_fi in [r[0] for r in rows]
    text = client.get(f"{url}export/?table=life_situations&format=csv").content.decode("utf-8-sig")
    with translation.override("fi"):  # the coordinator's language
        assert str(LifeSituation.STUDENT.label) in text
    context = report_context(StatsScope("area", area=world.area_a, threshold=threshold()), 2026)
    assert {"homes", "life_situations"} <= {t.key for t in context["tables"]}


def test_a_rebuild_keeps_the_life_situation_of_a_card_whose_details_were_reduced(world):
    vary_holders(world)
    use(world, world.card_a, world.venue_a)
    reduce_card(world.card_a, dt.date(2026, 6, 15))
    intake.rebuild()
    assert list(UseFact.objects.filter(card_key=world.card_a.pk).values_list("life_situation", flat=True)) == [
        "student"
    ]


def test_open_data_counts_uses_by_the_holders_home_municipality(world):
    _history(world)
    by_home = {
        (r["municipality_code"], r["sector"]): (r["adult_uses"], r["child_uses"])
        for r in open_data(1, by="home")
        if r["adult_uses"] != "0"
    }
    want: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for fact in UseFact.objects.counted().select_related("card_municipality"):
        sums = want[(fact.card_municipality.code, fact.sector)]
        sums[0] += fact.adults
        sums[1] += fact.children + fact.community_clients
    assert by_home == {key: (str(a), str(c)) for key, (a, c) in want.items()}
    assert open_data(1, by="home") != open_data(1)  # card B lives in A's municipality, uses B's venues
    client = world.client_for("anonymous")
    api = json.loads(client.get("/api/stats/open-data/uses/?by=home&year=2026").content)
    assert api["results"] and all(not 0 < int(v) < 5 for r in api["results"] for v in (r["adult_uses"],) if v.isdigit())
    assert json.loads(client.get("/api/stats/open-data/uses/").content)["results"] == [
        {**r, "year": r["year"]} for r in open_data(threshold())
    ]
    assert client.get("/api/stats/open-data/uses/?by=street").status_code == 400
    text = client.get("/stats/open/uses.csv?by=home").content.decode("utf-8-sig")
    assert world.muni_a.code in text
    assert client.get("/stats/open/uses.csv?by=street").status_code == 404
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "holder's home municipality" in schema


def test_a_home_table_of_many_municipalities_has_no_chart_only_the_table():
    area = Area.objects.create(name="Iso alue", slug="iso-alue", status="active")
    munis = Municipality.objects.bulk_create(
        [Municipality(code=f"{900 + i}", name_fi=f"Kunta {i:02d}", area=area) for i in range(HOME_CHART_MAX + 1)]
    )
    few = _home_table({str(m.pk): [1, 0] for m in munis[:HOME_CHART_MAX]})
    many = _home_table({str(m.pk): [1, 0] for m in munis})
    assert (few.chart, many.chart) == ("bars", "")
    assert many.rows[0] == "Kunta 00" and len(many.rows) == HOME_CHART_MAX + 1
