"""The one way a service sends an e-mail: rendered now, sent once the transaction commits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    """A link for an e-mail or a printout: the site's address and a path from ``reverse``."""
    return settings.SITE_ROOT.rstrip("/") + path


def send_after_commit(to: str, subject: Any, template: str, context: dict[str, Any]) -> None:
    """Render the subject and body now (in the current language); send after a commit.

    A rolled-back transaction sends nothing, and the mail never holds a database lock.
    """
    body = render_to_string(template, context)
    subject_text = str(subject)
    transaction.on_commit(lambda: send_mail(subject_text, body, settings.DEFAULT_FROM_EMAIL, [to]))
