from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from kaiku.testing.matrix import Row, check, matrix_params
from kaiku.testing.world import ROLES

EVERYONE_200 = dict.fromkeys(ROLES, 200)
EVERYONE_302 = dict.fromkeys(ROLES, 302)
EVERYONE_404 = dict.fromkeys(ROLES, 404)
STAFF = {**EVERYONE_200, "anonymous": 302}


def _picture(world):
    from kaiku.offers.tests.test_images import picture

    name = default_storage.save("offers/matrix.jpg", ContentFile(picture()))
    world.extra["picture"] = SimpleNamespace(pk=name)
    world.extra["missing"] = SimpleNamespace(pk="offers/missing.jpg")


def _template_names(world):
    world.extra["sites"] = SimpleNamespace(pk="sites")
    world.extra["xlsx"] = SimpleNamespace(pk="xlsx")


MATRIX = [
    Row("web:import_template", "GET", STAFF, {"kind": "sites", "fmt": "xlsx"}, setup=_template_names),
    Row("web:home", "GET", EVERYONE_200),
    Row("web:healthz", "GET", EVERYONE_200),
    # Uploaded pictures are public (offer images), like the catalogue that shows them.
    Row("web:media", "GET", EVERYONE_200, {"path": "picture"}, setup=_picture),
    Row("web:media", "GET", EVERYONE_404, {"path": "missing"}, setup=_picture),
    Row("set_language", "POST", EVERYONE_302, data={"language": "sv", "next": "/"}),
    Row("javascript-catalog", "GET", EVERYONE_200),
    Row("accounts:login", "GET", EVERYONE_200),
    Row("accounts:logout", "POST", EVERYONE_302),
    Row("api-schema", "GET", EVERYONE_200),
    Row("api-docs", "GET", EVERYONE_200),
    # Any path under /api/ that is no endpoint: JSON 404 (kaiku/web/tests/test_api_errors.py).
    Row("api-not-found", "GET", dict.fromkeys(ROLES, 404), {"rest": 1}),
]


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    check(world, role, row)
