"""gunicorn's access log keeps routes and ids, never tokens, card numbers or queries."""

import pytest

from kaiku.web.accesslog import redact_path


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/cards/site/12/", "/cards/site/12/"),
        ("/portal/sign-in/link/Abc-123_xyz/", "/portal/sign-in/link/…/"),
        ("/portal/feedback/abcdefghijklmnop/", "/portal/feedback/…/"),
        ("/partners/invite/lowercaseonlytoken/", "/partners/invite/…/"),
        ("/api/partners/KK7G3PWVBD/", "/api/partners/…/"),
        ("/api/partners/person@example.org/", "/api/partners/…/"),
        ("/partners/templates/sites.xlsx", "/partners/templates/sites.xlsx"),
        ("/static/css/kaiku.5f3e2a1b.css", "/static/css/kaiku.5f3e2a1b.css"),
    ],
)
def test_it_redacts_what_is_not_a_route_or_an_id(path, logged):
    assert redact_path(path) == logged
