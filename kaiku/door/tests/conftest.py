from __future__ import annotations

import pytest

from kaiku.door import keys


@pytest.fixture
def other_key() -> bytes:
    """A second signing key, unknown to the register: codes signed with it are foreign."""
    return keys.generate_pem()
