from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings

from kaiku.door import keys


@pytest.fixture
def other_key(settings: settings) -> Iterator[bytes]:  # type: ignore[valid-type]
    """A second signing key, not known to the register: codes signed with it are foreign."""
    pem = keys.generate_pem()
    yield pem
    keys.clear_cache()
