from __future__ import annotations

from typing import Any

from django import template

from kaiku.portal.holder import current_card, text_size

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_text_size(context: Any) -> str:
    request = context.get("request")
    return text_size(request) if request is not None else "100"


@register.simple_tag(takes_context=True)
def portal_card(context: Any) -> Any:
    """The signed-in holder's card, or None (the sign-out page passes holder_card=None)."""
    if "holder_card" in context:
        return context["holder_card"]
    request = context.get("request")
    return current_card(request) if request is not None else None
