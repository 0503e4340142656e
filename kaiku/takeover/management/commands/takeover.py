"""``manage.py takeover``: the migration import of an existing register (docs/migration.md).

manage.py takeover cards export.csv            # dry run: summary and errors, nothing written
manage.py takeover cards export.csv --commit   # all or nothing
manage.py takeover uses uses.csv --commit
manage.py takeover monthly counts.xlsx --commit
manage.py takeover mapping                     # the saved mapping, unmatched first
manage.py takeover map venue "Old name" 12     # map a name to Kaiku site 12 (0 to unmap)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from kaiku.network.models import Site
from kaiku.takeover import imports
from kaiku.takeover.models import SiteMapping
from kaiku.takeover.reading import COMMAND_MAX_BYTES, ExportError, read_export


class Command(BaseCommand):
    help = "Import an existing register's export: cards, past uses or monthly counts (a dry run unless --commit)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=[*imports.IMPORTERS, "mapping", "map"])
        parser.add_argument("args", nargs="*", help="the file; or for map: kind, name, Kaiku site id")
        parser.add_argument("--commit", action="store_true", help="write (all or nothing); without it a dry run")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        what = options["what"]
        if what == "mapping":
            return self._show_mapping()
        if what == "map":
            return self._map(*args)
        if len(args) != 1:
            raise CommandError("Give one file.")
        path = Path(args[0])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if path.stat().st_size > COMMAND_MAX_BYTES:
            raise CommandError(f"The file is larger than {COMMAND_MAX_BYTES // (1024 * 1024)} MB.")
        try:
            export = read_export(path.read_bytes(), COMMAND_MAX_BYTES)
        except ExportError as exc:
            raise CommandError(exc.message) from None
        bar = tqdm(
            total=len(export.rows),
            unit="row",
            desc=what,
            # The command's own error stream; on anything but a terminal (a log, a pipe) no bar.
            file=getattr(self.stderr, "_out", sys.stderr),
            disable=True if options["no_progress"] else None,
        )
        try:
            summary = imports.IMPORTERS[what](export, filename=path.name, commit=options["commit"], progress=bar.update)
        except ExportError as exc:
            raise CommandError(exc.message) from None
        finally:
            bar.close()
        self._report(summary, options["commit"])
        if not summary.ok:
            raise CommandError("Nothing was imported.")

    def _report(self, summary: imports.Summary, commit: bool) -> None:
        for name in summary.unmatched:
            self.stderr.write(f"unmatched: {name}")
        for error in summary.errors:
            self.stderr.write(f"row {error.row}, {error.column}: {error.message}")
        if summary.error_count > len(summary.errors):
            self.stderr.write(f"... {summary.error_count - len(summary.errors)} more errors")
        state = "imported" if summary.committed else ("dry run" if summary.ok else "nothing imported")
        self.stdout.write(
            f"{state}: {summary.rows} rows, {summary.created} new, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.error_count} errors, {len(summary.unmatched)} unmatched "
            f"({summary.seconds:.1f} s)"
        )
        if summary.phases:
            self.stdout.write("phases: " + ", ".join(f"{name} {sec:.1f} s" for name, sec in summary.phases.items()))

    def _show_mapping(self) -> None:
        rows = sorted(SiteMapping.objects.select_related("site"), key=lambda m: (m.site_id is not None, m.kind, m.key))
        for m in rows:
            target = f"{m.site_id} {m.site.name}" if m.site else "UNMATCHED"
            self.stdout.write(f"{m.kind}\t{m.source}\t{target}")

    def _map(self, *args: str) -> None:
        if len(args) != 3 or args[0] not in SiteMapping.Kind.values or not args[2].isdigit():
            raise CommandError("Give: map distributor|venue NAME SITE_ID (0 to unmap)")
        kind, source, site_id = args[0], args[1], int(args[2])
        site = None
        if site_id:
            site = Site.objects.filter(pk=site_id, kind=kind).first()
            if site is None:
                raise CommandError(f"No {kind} has the id {site_id}.")
        imports.resolve_sites(kind, [source])
        mapping = SiteMapping.objects.get(kind=kind, key=imports.site_key(source))
        imports.map_site(mapping, site, None)
        self.stdout.write(f"{kind}\t{mapping.source}\t{site_id or 'UNMATCHED'}")
