import pytest

from kaiku.takeover.models import PublishedYear
from kaiku.testing.matrix import Row, check, matrix_params

A = 302
NATIONAL = {
    "anonymous": A,
    "national_admin": 200,
    "coordinator": 403,
    "distributor": 403,
    "venue_staff": 403,
    "venue_admin": 403,
}
NATIONAL_POST = {**NATIONAL, "national_admin": 302}


def _published(world):
    world.extra["published_2018"] = PublishedYear.objects.create(
        year=2018,
        registered=10,
        taken_into_use=5,
        adult_culture=1,
        adult_education=1,
        adult_science=1,
        adult_sports=1,
        child_culture=0,
        child_education=0,
        child_science=0,
        child_sports=0,
        total=4,
        municipalities=3,
    )


MATRIX = [
    Row("takeover:index", "GET", NATIONAL),
    Row("takeover:index", "POST", NATIONAL),  # no file: the form again
    Row("takeover:mapping", "GET", NATIONAL),
    Row("takeover:mapping", "POST", NATIONAL),  # nothing chosen: the page again with the error
    Row("takeover:published", "GET", NATIONAL),
    Row("takeover:published", "POST", NATIONAL),  # empty form: the page again with errors
    Row(
        "takeover:published_delete",
        "POST",
        NATIONAL_POST,
        {"pk": "published_2018"},
        setup=_published,
    ),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)
