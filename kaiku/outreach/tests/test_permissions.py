"""The outreach pages' permission matrix. Venue staff never reach holder data here."""

import pytest

from kaiku.outreach.tests.conftest import tips_world
from kaiku.testing.matrix import Row, check, matrix_params

R, F, N, OK, BAD = 302, 403, 404, 200, 400
STAFF = ["national_admin", "coordinator", "distributor", "venue_staff", "venue_admin"]

# Pages of distributor site A (the distributor's own) and of site B (nobody's here).
OWN_SITE = {"anonymous": R, **{r: N for r in STAFF}, "distributor": OK}
OTHER_SITE = {"anonymous": R, **{r: N for r in STAFF}}
# Area pages: the national admin and the area's coordinator.
AREA_A = {"anonymous": R, "national_admin": OK, "coordinator": OK, "distributor": N, "venue_staff": N, "venue_admin": N}
AREA_B = {**AREA_A, "coordinator": N}
# The venue's feedback: its admin only (venue staff do not read comments).
VENUE_A = {"anonymous": R, **{r: N for r in STAFF}, "venue_admin": OK}
PUBLIC = {"anonymous": OK, **{r: OK for r in STAFF}}

MATRIX = [
    Row("outreach:site", "GET", OWN_SITE, {"site_id": "distributor_a"}),
    Row("outreach:site", "GET", OTHER_SITE, {"site_id": "distributor_b"}),
    Row("outreach:renewals", "GET", OWN_SITE, {"site_id": "distributor_a"}),
    Row("outreach:renewals", "GET", OTHER_SITE, {"site_id": "distributor_b"}),
    Row("outreach:site_whats_on", "GET", OWN_SITE, {"site_id": "distributor_a"}),
    Row("outreach:site_whats_on", "GET", OTHER_SITE, {"site_id": "distributor_b"}),
    Row("outreach:tip_new", "GET", OWN_SITE, {"card_id": "card_a"}, setup=tips_world),
    Row("outreach:tip_new", "POST", {**OWN_SITE, "distributor": BAD}, {"card_id": "card_a"}, data={"what": "x"}),
    Row("outreach:tip_new", "GET", OTHER_SITE, {"card_id": "card_b"}),
    Row("outreach:tip_new", "POST", OTHER_SITE, {"card_id": "card_b"}, data={"what": "x"}),
    Row("outreach:tip_done", "GET", OWN_SITE, {"pk": "tip_a"}, setup=tips_world),
    Row("outreach:tip_done", "GET", OTHER_SITE, {"pk": "tip_b"}, setup=tips_world),
    Row("outreach:tip_slip", "GET", OWN_SITE, {"pk": "tip_a"}, setup=tips_world),
    Row("outreach:tip_slip", "GET", OTHER_SITE, {"pk": "tip_b"}, setup=tips_world),
    Row("outreach:area_tips", "GET", AREA_A, {"area_id": "area_a"}, setup=tips_world),
    Row("outreach:area_tips", "GET", AREA_B, {"area_id": "area_b"}),
    Row("outreach:area_feedback", "GET", AREA_A, {"area_id": "area_a"}),
    Row("outreach:area_feedback", "GET", AREA_B, {"area_id": "area_b"}),
    Row("outreach:venue_feedback", "GET", VENUE_A, {"venue_id": "venue_a"}),
    Row("outreach:venue_feedback", "GET", OTHER_SITE, {"venue_id": "venue_b"}),
]


class _Slug:
    def __init__(self, slug: str) -> None:
        self.pk = slug


def _slugs(world) -> None:
    world.extra["slug_a"] = _Slug(world.area_a.slug)
    world.extra["slug_planning"] = _Slug("no-such-area")


MATRIX += [
    Row("outreach:area_whats_on", "GET", PUBLIC, {"slug": "slug_a"}, setup=_slugs),
    Row("outreach:area_whats_on", "GET", {r: N for r in PUBLIC}, {"slug": "slug_planning"}, setup=_slugs),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)
