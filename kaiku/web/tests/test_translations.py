"""Every app's catalogues are complete, compiled and current.

For every app under ``kaiku/`` with a ``locale`` folder, in Finnish and Swedish:

- every msgid has a non-empty, non-fuzzy msgstr (every plural form too);
- the committed ``.mo`` holds exactly what ``msgfmt`` compiles from the ``.po``;
- ``makemessages`` would add no msgid: the app's sources are extracted afresh into a
  temporary copy (as ``scripts/messages.sh`` does) and compared with the catalogue.

A failure lists the strings per app; fix it with ``scripts/messages.sh <app>`` and
translations in ``kaiku/<app>/locale/{fi,sv}/LC_MESSAGES/*.po``.
"""

from __future__ import annotations

import ast
import gettext
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command

KAIKU = Path(__file__).resolve().parents[2]
LANGUAGES = ["fi", "sv"]
APPS = sorted(p.parent.name for p in KAIKU.glob("*/locale") if (p.parent / "apps.py").exists())


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def label(self) -> str:
        return f"[{self.msgctxt}] {self.msgid}" if self.msgctxt else self.msgid


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file (header left out); enough of the format for makemessages' output."""
    entries: list[Entry] = []
    current: dict[str, object] = {}
    target: tuple[str, int | None] | None = None
    fuzzy = False

    def finish() -> None:
        nonlocal current, target, fuzzy
        if "msgid" in current:
            msgstr = current.get("msgstr", {})
            assert isinstance(msgstr, dict)
            entry = Entry(
                msgid=str(current["msgid"]),
                msgctxt=current.get("msgctxt"),  # type: ignore[arg-type]
                msgid_plural=current.get("msgid_plural"),  # type: ignore[arg-type]
                msgstr=msgstr,
                fuzzy=fuzzy,
                obsolete=bool(current.get("obsolete")),
            )
            if entry.msgid or entry.msgctxt:
                entries.append(entry)
        current, target, fuzzy = {}, None, False

    def unquote(text: str) -> str:
        return ast.literal_eval(text.strip())

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if "msgid" in current and not obsolete:
                finish()
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            continue
        if obsolete:
            current["obsolete"] = True
        if line.startswith('"') and target is not None:
            name, index = target
            if index is None:
                current[name] = str(current[name]) + unquote(line)
            else:
                forms = current["msgstr"]
                assert isinstance(forms, dict)
                forms[index] += unquote(line)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and "msgstr" in current:
            finish()
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            current.setdefault("msgstr", {})[index] = unquote(rest)  # type: ignore[index]
            target = ("msgstr", index)
        else:
            current[keyword] = unquote(rest)
            target = (keyword, None)
    finish()
    return [e for e in entries if not e.obsolete]


def catalogues(app: str, language: str) -> list[Path]:
    folder = KAIKU / app / "locale" / language / "LC_MESSAGES"
    return sorted(folder.glob("*.po"))


def missing_translations(path: Path) -> list[str]:
    problems = []
    for entry in parse_po(path):
        forms = entry.msgstr
        expected = 2 if entry.msgid_plural else 1
        empty = len(forms) < expected or any(not forms.get(i, "").strip() for i in range(expected))
        if entry.fuzzy:
            problems.append(f"fuzzy: {entry.label!r}")
        elif empty:
            problems.append(f"untranslated: {entry.label!r}")
    return problems


@pytest.mark.parametrize("app", APPS)
def test_it_has_every_string_translated(app):
    problems = {}
    for language in LANGUAGES:
        files = catalogues(app, language)
        if not files:
            problems[language] = ["no catalogue: run scripts/messages.sh " + app]
        for path in files:
            found = missing_translations(path)
            if found:
                problems[f"{language}/{path.name}"] = found
    assert not problems, f"kaiku/{app}: missing Finnish/Swedish translations:\n" + "\n".join(
        f"  {where}:\n" + "\n".join(f"    {p}" for p in found) for where, found in problems.items()
    )


def mo_catalogue(path: Path) -> dict[object, str]:
    with path.open("rb") as f:
        translations = gettext.GNUTranslations(f)
    return dict(translations._catalog)  # type: ignore[attr-defined]


def mo_is_current(po: Path, mo: Path, workdir: Path) -> bool:
    """Does the .mo hold what msgfmt compiles from the .po now? (Compares contents, not bytes.)"""
    fresh = workdir / f"{po.parent.parent.name}-{po.stem}.mo"
    # msgfmt comes from Debian's gettext (scripts/system-deps.sh); the paths are our own files.
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(po)], check=True)  # noqa: S603, S607
    return mo.exists() and mo_catalogue(fresh) == mo_catalogue(mo)


@pytest.mark.parametrize("app", APPS)
def test_it_has_compiled_catalogues_that_match_the_po_files(app, tmp_path):
    stale = []
    for language in LANGUAGES:
        for po in catalogues(app, language):
            mo = po.with_suffix(".mo")
            if not mo_is_current(po, mo, tmp_path):
                stale.append(f"{mo.relative_to(KAIKU)} is missing or differs from its .po")
    assert not stale, f"kaiku/{app}: compile the catalogues (scripts/messages.sh {app}):\n  " + "\n  ".join(stale)


def extracted_msgids(app: str, workdir: Path) -> dict[str, set[tuple[str | None, str]]]:
    """The msgids makemessages finds in the app's sources today, per domain."""
    copy = workdir / app
    shutil.copytree(KAIKU / app, copy, ignore=shutil.ignore_patterns("locale", "tests", "__pycache__"))
    (copy / "locale").mkdir()
    domains = ["django"] + (["djangojs"] if (copy / "static").is_dir() else [])
    here = Path.cwd()
    os.chdir(copy)
    try:
        for domain in domains:
            call_command(
                "makemessages", locale=["fi"], domain=domain, ignore_patterns=["tests/*"], no_obsolete=True, verbosity=0
            )
    finally:
        os.chdir(here)
    found = {}
    for domain in domains:
        po = copy / "locale" / "fi" / "LC_MESSAGES" / f"{domain}.po"
        found[domain] = {e.key for e in parse_po(po)} if po.exists() else set()
    return found


@pytest.mark.parametrize("app", APPS)
def test_it_has_every_source_string_in_the_catalogue(app, tmp_path):
    new = {}
    for domain, msgids in extracted_msgids(app, tmp_path).items():
        for language in LANGUAGES:
            po = KAIKU / app / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
            known = {e.key for e in parse_po(po)} if po.exists() else set()
            missing = sorted(msgids - known, key=lambda k: (k[0] or "", k[1]))
            if missing:
                new[f"{language}/{domain}.po"] = [f"[{c}] {m}" if c else m for c, m in missing]
    assert not new, f"kaiku/{app}: makemessages would add these strings (run scripts/messages.sh {app}):\n" + "\n".join(
        f"  {where}:\n" + "\n".join(f"    {m!r}" for m in found) for where, found in new.items()
    )


SAMPLE_PO = r"""
msgid ""
msgstr ""
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: a.py:1
msgid "Done"
msgstr "Valmis"

#, fuzzy
msgid "Guess"
msgstr "Arvaus"

msgid ""
"Long "
"text with \"quotes\""
msgstr ""

msgid "%(n)s card"
msgid_plural "%(n)s cards"
msgstr[0] "%(n)s kortti"
msgstr[1] ""

#~ msgid "Gone"
#~ msgstr "Poissa"
"""


def test_it_reads_po_files_and_finds_what_is_missing(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(SAMPLE_PO, encoding="utf-8")
    assert [e.msgid for e in parse_po(po)] == ["Done", "Guess", 'Long text with "quotes"', "%(n)s card"]
    assert missing_translations(po) == [
        "fuzzy: 'Guess'",
        "untranslated: 'Long text with \"quotes\"'",
        "untranslated: '%(n)s card'",
    ]


def test_it_notices_a_stale_mo_file(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(SAMPLE_PO, encoding="utf-8")
    mo = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(mo), str(po)], check=True)  # noqa: S603, S607
    out = tmp_path / "out"
    out.mkdir()
    assert mo_is_current(po, mo, out)
    po.write_text(SAMPLE_PO.replace('"Valmis"', '"Tehty"'), encoding="utf-8")
    assert not mo_is_current(po, mo, out)
