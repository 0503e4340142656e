"""What collectstatic gathers (and whitenoise serves): no test-only front-end files."""

from __future__ import annotations

from django.contrib.staticfiles import finders


def test_it_serves_no_test_only_assets():
    served = [path for finder in finders.get_finders() for path, _storage in finder.list([])]
    assert "vendor/htmx.min.js" in served  # the vendored files are there (make vendor) ...
    assert not [path for path in served if "axe" in path.lower()]  # ... but not axe-core
