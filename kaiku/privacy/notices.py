"""The privacy notice (GDPR Art. 13) and accessibility statement, built from the national settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from kaiku.network.models import NationalSettings

LANGUAGES = ("fi", "sv", "en")


def context() -> dict[str, Any]:
    return {"rules": NationalSettings.get()}


def notice_pdf(language: str) -> bytes:
    """The privacy notice on one A4 page, for the distributor to hand out at registration."""
    from weasyprint import HTML  # imported late: loading WeasyPrint takes a moment

    with translation.override(language if language in LANGUAGES else "fi"):
        html = render_to_string("privacy/print/notice.html", context())
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()  # type: ignore[no-any-return]
