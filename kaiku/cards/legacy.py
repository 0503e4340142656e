"""Legacy card numbers: the formats of the register used before Kaiku (docs/legacy-numbers.md).

The national admin declares each accepted format: a pattern the whole normalised number
must match, and how typed or scanned text is normalised first (case, spaces, dashes).
Patterns run on the server with RE2 (linear time, whatever the pattern) and on the door
device with the browser's own regular expressions, which backtrack; so a pattern is
accepted only when it also parses as a Python regular expression without a repeated
group that itself repeats or alternates (the shape of catastrophic backtracking), and
every number is at most ``numbers.LEGACY_MAX_LENGTH`` characters.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import re2
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kaiku.audit import services as audit
from kaiku.cards import numbers
from kaiku.cards.models import LegacyFormat
from kaiku.web.errors import CodedError

CACHE_KEY = "cards:legacy-formats:1"
CACHE_SECONDS = 30
PATTERN_MAX_LENGTH = LegacyFormat.PATTERN_MAX_LENGTH
MAX_ACTIVE_FORMATS = 10

try:  # Python 3.11 names the parser sre_parse; 3.12 keeps it as re._parser.
    from re import _parser as _sre  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse as _sre  # type: ignore[no-redef]


class LegacyFormatError(CodedError):
    """A declared format was refused. ``code`` is stable; ``message`` is translated."""

    MESSAGES: dict[str, Any] = {
        "pattern_too_long": _("A pattern is at most %(max)s characters."),
        "pattern_invalid": _("This is not a valid pattern. Check brackets, braces and backslashes."),
        "pattern_backtracking": _(
            "A repeated group must not itself contain a repetition or alternatives, "
            "for example (A+)+ or (A|B)*: such a pattern can hang a door device."
        ),
        "pattern_empty_match": _("The pattern must not accept an empty number."),
        "example_no_match": _("The example number does not match the pattern."),
        "example_too_long": _("A legacy card number is at most %(max)s characters."),
        "example_is_kaiku": _("The example is a Kaiku card number. Give a number of the old register."),
        "example_reserved": _("X and Z mark mobile-only cards; they are never card numbers."),
        "too_many_formats": _("At most %(max)s formats can be in use at a time."),
    }

    def __init__(self, code: str, field: str = "pattern", **params: Any) -> None:
        super().__init__(code, **params)
        self.field = field


@functools.lru_cache(maxsize=64)
def _compiled(pattern: str) -> Any:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 1 << 20  # a pattern that needs more than 1 MB to compile is refused
    return re2.compile(pattern, options)


@dataclass(frozen=True)
class DeclaredFormat:
    """A declared format as the parser needs it (plain values, cached between requests)."""

    id: int
    pattern: str
    fold_case: bool = True
    ignore_spaces: bool = True
    ignore_dashes: bool = True

    def normalise(self, text: str) -> str:
        text = text.strip()
        if self.fold_case:
            text = text.upper()
        if self.ignore_spaces:
            text = "".join(text.split())
        if self.ignore_dashes:
            text = text.replace("-", "")
        return text

    def canonical(self, text: str) -> str | None:
        """The stored form of ``text`` when it is a number of this format, else None."""
        value = self.normalise(text)
        if not value or len(value) > numbers.LEGACY_MAX_LENGTH:
            return None
        return value if _compiled(self.pattern).fullmatch(value) else None

    def as_json(self) -> dict[str, Any]:
        """For the door device (codes.js), which runs the same pattern offline."""
        return {
            "id": self.id,
            "pattern": self.pattern,
            "fold_case": self.fold_case,
            "ignore_spaces": self.ignore_spaces,
            "ignore_dashes": self.ignore_dashes,
        }


def _declared(row: LegacyFormat) -> DeclaredFormat:
    return DeclaredFormat(row.pk, row.pattern, row.fold_case, row.ignore_spaces, row.ignore_dashes)


def active_formats() -> tuple[DeclaredFormat, ...]:
    """The formats in use, oldest first; cached for ``CACHE_SECONDS`` in each process."""
    found = cache.get(CACHE_KEY)
    if found is None:
        found = tuple(_declared(row) for row in LegacyFormat.objects.filter(active=True).order_by("pk"))
        cache.set(CACHE_KEY, found, CACHE_SECONDS)
    return found  # type: ignore[no-any-return]


def _nested_repeat(items: Any, inside_repeat: bool) -> bool:
    """Whether a parsed pattern repeats a group that repeats or alternates inside."""
    for op, value in items:
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            _low, high, sub = value
            if inside_repeat:
                return True
            repeats = high is _sre.MAXREPEAT or high > 1
            if _nested_repeat(sub, repeats):
                return True
        elif name == "BRANCH":
            if inside_repeat:
                return True
            if any(_nested_repeat(branch, False) for branch in value[1]):
                return True
        elif name == "SUBPATTERN":
            if _nested_repeat(value[-1], inside_repeat):
                return True
    return False


def parse_any(text: str) -> numbers.ParsedNumber:
    """``numbers.parse_any`` with the formats the national admin declared: what every
    channel (desk, door, imports, API, portal) accepts as a card number."""
    return numbers.parse_any(text, active_formats())


def check_pattern(pattern: str) -> None:
    """Raise LegacyFormatError unless the pattern is safe to run on server and device."""
    if len(pattern) > PATTERN_MAX_LENGTH:
        raise LegacyFormatError("pattern_too_long", max=PATTERN_MAX_LENGTH)
    if not pattern or "\n" in pattern or "\r" in pattern:
        raise LegacyFormatError("pattern_invalid")
    try:
        compiled = _compiled(pattern)
        parsed = _sre.parse(pattern)
        # The device compiles it as a JavaScript expression: refuse Python-only syntax.
        if "(?P" in pattern or "(?#" in pattern or re.search(r"\\[AZz]", pattern):
            raise ValueError("not portable")
    except (re2.error, re.error, ValueError, TypeError, OverflowError, RecursionError):
        raise LegacyFormatError("pattern_invalid") from None
    if _nested_repeat(parsed, False):
        raise LegacyFormatError("pattern_backtracking")
    if compiled.fullmatch(""):
        raise LegacyFormatError("pattern_empty_match")


def check_format(declared: DeclaredFormat, example: str) -> None:
    check_pattern(declared.pattern)
    if len(example) > numbers.TEXT_MAX_LENGTH:
        raise LegacyFormatError("example_too_long", field="example", max=numbers.LEGACY_MAX_LENGTH)
    if numbers.mobile_only_kind(example) is not None:
        raise LegacyFormatError("example_reserved", field="example")
    try:
        numbers.normalise(example)
    except numbers.InvalidCardNumber:
        pass
    else:
        raise LegacyFormatError("example_is_kaiku", field="example")
    if len(declared.normalise(example)) > numbers.LEGACY_MAX_LENGTH:
        raise LegacyFormatError("example_too_long", field="example", max=numbers.LEGACY_MAX_LENGTH)
    if declared.canonical(example) is None:
        raise LegacyFormatError("example_no_match", field="example")


FIELDS = ("name", "pattern", "example", "fold_case", "ignore_spaces", "ignore_dashes", "active")
# The example could be a real card's number: the audit log names it as changed, no value.
AUDITED = tuple(name for name in FIELDS if name != "example")


@transaction.atomic
def save_format(actor: Any, values: dict[str, Any], instance: LegacyFormat | None = None) -> LegacyFormat:
    """Declare a legacy format or change one; checked, audited, and in use within seconds."""
    row = instance or LegacyFormat()
    before = audit.snapshot(row, AUDITED) if instance else {}
    example_before = row.example
    for name in FIELDS:
        if name in values:
            setattr(row, name, values[name])
    check_format(
        DeclaredFormat(0, row.pattern, row.fold_case, row.ignore_spaces, row.ignore_dashes), row.example.strip()
    )
    if row.active:
        others = LegacyFormat.objects.select_for_update().filter(active=True).exclude(pk=row.pk)
        if others.count() >= MAX_ACTIVE_FORMATS:
            raise LegacyFormatError("too_many_formats", field="active", max=MAX_ACTIVE_FORMATS)
    row.example = row.example.strip()
    row.save()
    changes: dict[str, Any] = (
        audit.diff(before, audit.snapshot(row, AUDITED)) if instance else audit.snapshot(row, AUDITED)
    )
    if row.example != example_before:
        changes["example"] = None
    action = "cards.legacy_format_changed" if instance else "cards.legacy_format_declared"
    audit.record(actor, action, row, changes=changes)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))
    cache.delete(CACHE_KEY)
    return row
