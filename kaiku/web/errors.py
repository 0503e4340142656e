"""The one shape of a domain error: a stable ``code`` and a translated ``message``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.http import HttpRequest

T = TypeVar("T")


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


@dataclass
class Done(Generic[T]):
    """What a submitted form's action returned."""

    result: T


def submit(request: HttpRequest, form: forms.Form, action: Callable[[dict[str, Any]], T]) -> Done[T] | None:
    """A POST with a valid form runs ``action(form.cleaned_data)``. None when nothing was done:
    not a POST, the form not valid, or a rule said no (its message is then on the form)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return Done(action(form.cleaned_data))
    except CodedError as exc:
        form.add_error(None, exc.message)
        return None


def details(cls: type[T], data: Mapping[str, Any]) -> T:
    """The service's details dataclass ``cls`` from a form's cleaned data, field by field; a
    field with a default takes it when the form left the value empty."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.default is dataclasses.MISSING:
            values[f.name] = data[f.name]
        else:
            values[f.name] = data.get(f.name) or f.default
    return cls(**values)
