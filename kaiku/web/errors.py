"""The one shape of a domain error: a stable ``code`` and a translated ``message``."""

from __future__ import annotations

from typing import Any


class CodedError(Exception):
    """A rule said no. ``code`` is stable (tests and API clients match on it); ``message`` is
    the translated text for people, from the subclass's ``MESSAGES`` with ``params`` filled in."""

    MESSAGES: dict[str, Any] = {}

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        template = self.MESSAGES.get(code, code)
        self.message = str(template) % params if params else str(template)
        super().__init__(self.message)
