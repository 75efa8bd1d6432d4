"""The Nachweis report of an institution (seed 003): page, PDF and CSV."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _

from kooperation.core.documents import PdfRenderer, pdf_response
from kooperation.network import permissions as perms
from kooperation.network import security
from kooperation.pages.evidence import evidence, evidence_csv
from kooperation.pages.forms import PeriodForm


def _report(request, pk: int):
    institution = perms.get_institution_for(request.user, pk)
    perms.require(perms.can_view_evidence(request.user, institution))
    form = PeriodForm(request.GET or None)
    report = evidence(institution, *form.period()) if form.is_valid() else None
    return institution, form, report


def evidence_report(request, pk: int):
    """The Nachweis as a page, with links to its PDF and CSV."""
    institution, form, report = _report(request, pk)
    return render(
        request,
        "pages/evidence.html",
        {"institution": institution, "form": form, "report": report, "query": request.GET.urlencode()},
    )


class EvidenceRenderer(PdfRenderer):
    template_name = "print/evidence.html"
    stylesheets = ("css/print-base.css", "css/print-sheet.css")
    pdf_variant = "pdf/a-3b"

    def __init__(self, report):
        self.report = report

    def filename(self) -> str:
        return f"Nachweis-{self.report.institution.pk}-{self.report.start:%Y%m%d}-{self.report.end:%Y%m%d}.pdf"

    def metadata(self) -> dict:
        return {"title": _("Nachweis der Kooperation: %(name)s") % {"name": self.report.institution.name}}

    def get_context(self) -> dict:
        period = f"{formats.date_format(self.report.start, 'd.m.Y')} – {formats.date_format(self.report.end, 'd.m.Y')}"
        return {
            "report": self.report,
            "running_title": _("Nachweis der Kooperation (Qualitätsstandard O5)"),
            "running_revision": self.report.institution.name,
            "running_fingerprint": period,
        }


def evidence_pdf(request, pk: int):
    _institution, _form, report = _report(request, pk)
    if report is None:
        return evidence_report(request, pk)
    _record_export(request, report, "PDF")
    return pdf_response(EvidenceRenderer(report))


def evidence_csv_download(request, pk: int):
    institution, _form, report = _report(request, pk)
    if report is None:
        return evidence_report(request, pk)
    _record_export(request, report, "CSV")
    response = HttpResponse(evidence_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="Nachweis-{institution.pk}-{report.start:%Y%m%d}-{report.end:%Y%m%d}.csv"'
    )
    return response


def _record_export(request, report, kind: str) -> None:
    security.record(
        security.Kind.EXPORT,
        request=request,
        detail=f"Nachweis ({kind}) {report.institution.name}, {report.start:%d.%m.%Y}–{report.end:%d.%m.%Y}",
    )
