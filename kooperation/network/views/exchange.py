"""Administration: import institutions and staff from CSV/XLSX (preview, then confirm), export, templates."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kooperation.network import permissions as perms
from kooperation.network.exchange import tables
from kooperation.network.exchange.apply import ImportRefused, apply_import
from kooperation.network.exchange.export import rows_for
from kooperation.network.exchange.plan import plan_for
from kooperation.network.forms.exchange import UploadForm
from kooperation.network.security import Kind, record

SESSION_KEY = "kooperation_import"


def _kind(kind: str) -> str:
    if kind not in tables.KINDS:
        raise Http404
    return kind


def _file_response(kind: str, rows, fmt: str, name: str) -> HttpResponse:
    if fmt not in tables.FORMATS:
        raise Http404
    response = HttpResponse(tables.render(kind, rows, fmt), content_type=tables.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def import_overview(request):
    """The two uploads (institutions, staff) with their templates and exports."""
    perms.require(perms.can_manage_network(request.user))
    kinds = [(kind, label, UploadForm(auto_id=f"id_{kind}_%s")) for kind, (_columns, label) in tables.KINDS.items()]
    return render(request, "network/import_overview.html", {"kinds": kinds, "columns": tables.KINDS})


@require_POST
def import_upload(request, kind: str):
    """Read the file and keep its rows in the session for the preview; nothing is written yet."""
    perms.require(perms.can_manage_network(request.user))
    kind = _kind(kind)
    form = UploadForm(request.POST, request.FILES, auto_id=f"id_{kind}_%s")
    if form.is_valid():
        try:
            rows = tables.read_upload(kind, form.cleaned_data["file"])
        except tables.UploadError as error:
            form.add_error("file", str(error))
        else:
            request.session[SESSION_KEY] = {"kind": kind, "rows": rows, "file": form.cleaned_data["file"].name}
            return redirect("import_preview", kind=kind)
    kinds = [
        (other, label, form if other == kind else UploadForm(auto_id=f"id_{other}_%s"))
        for other, (_columns, label) in tables.KINDS.items()
    ]
    return render(request, "network/import_overview.html", {"kinds": kinds, "columns": tables.KINDS}, status=400)


def _stored(request, kind: str):
    stored = request.session.get(SESSION_KEY)
    if not isinstance(stored, dict) or stored.get("kind") != kind:
        return None
    return stored


def import_preview(request, kind: str):
    """Row by row what the import would create or update, with the errors of each row."""
    perms.require(perms.can_manage_network(request.user))
    kind = _kind(kind)
    stored = _stored(request, kind)
    if stored is None:
        messages.info(request, _("Bitte zuerst eine Datei hochladen."))
        return redirect("import_overview")
    plan = plan_for(kind, [dict(row) for row in stored["rows"]])
    context = {"plan": plan, "kind": kind, "label": tables.KINDS[kind][1], "filename": stored["file"]}
    return render(request, "network/import_preview.html", context)


@require_POST
def import_confirm(request, kind: str):
    """Check the stored rows again and write them in one transaction."""
    perms.require(perms.can_manage_network(request.user))
    kind = _kind(kind)
    stored = _stored(request, kind)
    if stored is None:
        messages.error(request, _("Die Vorschau ist nicht mehr vorhanden. Bitte die Datei erneut hochladen."))
        return redirect("import_overview")
    try:
        result = apply_import(kind, stored["rows"], request.user)
    except ImportRefused as error:
        messages.error(request, str(error))
        return redirect("import_preview", kind=kind)
    del request.session[SESSION_KEY]
    messages.success(
        request,
        _("Import abgeschlossen: %(created)s neu angelegt, %(updated)s aktualisiert.")
        % {"created": result["created"], "updated": result["updated"]},
    )
    return redirect("user_list" if kind == "personen" else "institution_list")


def import_template(request, kind: str, fmt: str):
    """An empty file in the import layout with one example row."""
    perms.require(perms.can_manage_network(request.user))
    kind = _kind(kind)
    return _file_response(kind, tables.template_rows(kind), fmt, f"vorlage-{kind}")


def network_export(request, kind: str, fmt: str):
    """All institutions or all active accounts in the import layout; exporting is logged."""
    perms.require(perms.can_manage_network(request.user))
    kind = _kind(kind)
    if fmt not in tables.FORMATS:
        raise Http404
    response = _file_response(kind, rows_for(kind), fmt, f"{kind}-{timezone.localdate():%Y-%m-%d}")
    record(Kind.EXPORT, request=request, detail=f"Export {kind} ({fmt})")
    return response
