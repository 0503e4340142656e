"""``manage.py takeover``: a progress bar on a terminal, a quiet summary otherwise."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from kaiku.cards.models import Card
from kaiku.takeover.tests.exports import CARD_HEADER, card_row, csv_bytes


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(tmp_path, rows, stderr, *flags):
    path = tmp_path / "cards.csv"
    path.write_bytes(csv_bytes(CARD_HEADER, rows))
    out = io.StringIO()
    call_command("takeover", "cards", str(path), *flags, stdout=out, stderr=stderr)
    return out.getvalue()


def test_a_terminal_sees_a_progress_bar(world, tmp_path):
    terminal = Terminal()
    out = _run(tmp_path, [card_row("AAA1"), card_row("AAA2")], terminal, "--commit")
    assert "cards: 100%" in terminal.getvalue() and "2/2" in terminal.getvalue()
    assert out.startswith("imported: 2 rows, 2 new, 0 updated, 0 unchanged, 0 errors")
    assert "phases: check" in out and "statistics" in out
    assert Card.objects.filter(number__in=["AAA1", "AAA2"]).count() == 2


def test_a_log_gets_the_summary_only(world, tmp_path):
    log = io.StringIO()
    out = _run(tmp_path, [card_row("AAA1")], log)
    assert log.getvalue() == ""  # no bar, no carriage returns
    assert out.startswith("dry run: 1 rows, 1 new") and not Card.objects.filter(number="AAA1").exists()
    quiet = Terminal()
    _run(tmp_path, [card_row("AAA1")], quiet, "--no-progress")
    assert quiet.getvalue() == ""


def test_a_bad_row_is_named_and_the_command_fails(world, tmp_path):
    log = io.StringIO()
    with pytest.raises(CommandError):
        _run(tmp_path, [card_row("AAA1"), card_row("AAA2", postal_code="1")], log, "--commit")
    assert log.getvalue().startswith("row 3, Postinumero: ")  # the command speaks the default language
    assert not Card.objects.filter(number__startswith="AAA").exists()
