"""The shared upload page of every spreadsheet import, and the import templates to download.

Each import's rows and columns belong to the app that writes them (``network.imports``,
``visits.imports``, ``cards.imports``); the app's view passes its ``run`` here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaiku.accounts.scopes import request_scope
from kaiku.web import imports, spreadsheets
from kaiku.web.models import Duplicates, ImportRecord
from kaiku.web.uploads import MAX_BYTES, SpreadsheetError, read_upload

# Each import's columns, owned by the app whose rows the import writes.
COLUMNS = {
    ImportRecord.Kind.SITES: "kaiku.network.imports.SITE_COLUMNS",
    ImportRecord.Kind.USES: "kaiku.visits.imports.USE_COLUMNS",
    ImportRecord.Kind.REGISTRATIONS: "kaiku.cards.imports.REGISTRATION_COLUMNS",
}

# Multipart boundaries and the other form fields around the file.
UPLOAD_OVERHEAD = 64 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (.xlsx or .csv, at most 10 MB)"))


def columns(kind: str) -> Sequence[imports.Column]:
    return import_string(COLUMNS[ImportRecord.Kind(kind)])  # type: ignore[no-any-return]


def import_page(
    request: HttpRequest,
    kind: str,
    importer: Callable[..., imports.ImportResult],
    target: Any,
    title: str,
    back: str = "",
    form_class: type[UploadForm] = UploadForm,
) -> HttpResponse:
    """The upload page of one import into ``target`` (an area or a site).

    ``importer(target, table, actor, filename, **options)`` imports the file or raises; the
    options are the form's fields besides the file (the uses import's ``duplicates``).
    After an import the page goes to ``back`` (by default, itself).
    """
    context = {"title": title, "target": target}
    errors: list[imports.RowError] = []
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BYTES + UPLOAD_OVERHEAD:
        # Refuse before Django parses (and spools to disk) an oversized upload.
        form = form_class(data={})
        form.is_valid()
        form.errors["file"] = form.error_class([SpreadsheetError("too_large").message])
        return render(request, "web/import.html", _context(kind, context, form, errors), status=400)
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            table = read_upload(upload)
            options = {name: value for name, value in form.cleaned_data.items() if name != "file"}
            result = importer(target, table, request.user, upload.name or "", **options)
        except SpreadsheetError as exc:
            form.add_error("file", exc.message)
        except imports.ImportFailed as exc:
            errors = exc.errors
            form.add_error(None, _("Nothing was imported: fix the rows below and upload the file again."))
        else:
            _report(request, result, form.cleaned_data)
            return redirect(back or request.path)
    status = 400 if request.method == "POST" else 200
    response = render(request, "web/import.html", _context(kind, context, form, errors), status=status)
    # Row errors quote the file's values (a postal code, a card's state): never stored by a cache.
    add_never_cache_headers(response)
    return response


def _report(request: HttpRequest, result: imports.ImportResult, data: dict[str, Any]) -> None:
    messages.success(
        request,
        _("Imported %(created)s of %(rows)s rows (%(skipped)s were already imported).")
        % {"created": result.created, "rows": result.rows, "skipped": result.skipped},
    )
    if result.details.get("repeated"):
        messages.info(
            request,
            _("%(n)s rows repeated an earlier row: %(choice)s.")
            % {"n": result.details["repeated"], "choice": Duplicates(data.get("duplicates", "")).label},
        )
    if result.details.get("held"):
        messages.warning(
            request,
            _("%(held)s rows are older than two months: they wait for the venue admin's review.")
            % {"held": result.details["held"]},
        )


def _context(kind: str, context: dict[str, Any], form: UploadForm, errors: list[imports.RowError]) -> dict[str, Any]:
    return {
        **context,
        "form": form,
        "errors": errors[:500],
        "error_count": len(errors),
        "columns": columns(kind),
        "kind": kind,
    }


@login_required
def import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    if not request_scope(request).is_staff_member:
        raise PermissionDenied
    try:
        cols = columns(kind)
    except ValueError:
        raise Http404 from None
    header = [str(c.label) for c in cols]
    name = f"kaikukortti-{kind}"
    if fmt == "csv":
        return spreadsheets.csv_response([header], name)
    if fmt == "xlsx":
        guide = [[str(c.label), _("required") if c.required else _("optional"), str(c.help)] for c in cols]
        return spreadsheets.xlsx_response(
            [
                spreadsheets.Sheet(_("Rows"), [header]),
                spreadsheets.Sheet(_("Instructions"), [[_("Column"), "", _("How to fill in")], *guide]),
            ],
            name,
        )
    raise Http404
