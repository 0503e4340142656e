import pytest


@pytest.fixture(autouse=True)
def _old_register_numbers(request):
    """The old register's numbers in these tests (AAA1, BBB2, DUP1) are a declared legacy
    format, as the national admin declares before the import (docs/migration.md)."""
    names = request.fixturenames
    if "world" not in names and "db" not in names and request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("transactional_db" if "transactional_db" in names else "db")
    from kaiku.cards import legacy

    legacy.save_format(None, {"name": "Old register", "pattern": "[A-Z]{3}[0-9]{1,5}", "example": "AAA1"})
