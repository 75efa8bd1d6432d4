"""The Nachweis report (seed 003): an institution's cooperation in a period, for quality audits.

Counts and dates only: no case codes, no protocol content.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import formats
from django.utils.translation import gettext as _

from agreements.models import (
    Agreement,
    AssessmentStatus,
    Partner,
    QualityDialogue,
    SelfAssessment,
    Signature,
    Status,
)
from agreements.services.contract import FROZEN
from conferences.models import AttendanceStatus, Conference, Meeting


@dataclass
class Evidence:
    institution: object
    start: date
    end: date
    agreements: list = field(default_factory=list)  # (agreement, own signature, signed count or None, partners)
    meetings: list = field(default_factory=list)  # meetings attended
    meeting_counts: list = field(default_factory=list)  # (body label, count)
    conferences: list = field(default_factory=list)  # dates of Hilfekonferenzen attended
    partners: list = field(default_factory=list)  # (institution, [agreement titles])
    fields: list = field(default_factory=list)
    dialogues: list = field(default_factory=list)  # (dialogue, submitted: bool)


def evidence(institution, start: date, end: date) -> Evidence:
    """Collect the evidence of one institution's cooperation between start and end (inclusive)."""
    report = Evidence(institution, start, end)
    agreements = list(
        Agreement.objects.filter(partners__institution=institution, created_at__date__lte=end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        .exclude(status=Status.ENTWURF)
        .select_related("coordinating_institution")
        # The partners with institution and Arbeitsfeld joined: one query instead of one per level.
        .prefetch_related(Prefetch("partners", queryset=Partner.objects.select_related("institution__arbeitsfeld")))
        .order_by("title", "revision")
        .distinct()
    )
    signatures = defaultdict(dict)
    for signature in Signature.objects.valid().filter(agreement__in=agreements):
        signatures[signature.agreement_id][signature.institution_id] = signature
    for agreement in agreements:
        partners = list(agreement.partners.all())
        signed = len(signatures[agreement.pk])
        # Before the text is released for signing nobody can sign: no count, not "0 of 3".
        released = agreement.status in FROZEN and (agreement.status != Status.BEENDET or signed)
        report.agreements.append(
            (agreement, signatures[agreement.pk].get(institution.pk), signed if released else None, len(partners))
        )
    others = defaultdict(list)
    for agreement in agreements:
        for partner in agreement.partners.all():
            if partner.institution_id != institution.pk and agreement.title not in others[partner.institution]:
                others[partner.institution].append(agreement.title)
    report.partners = sorted(others.items(), key=lambda item: item[0].name)
    report.fields = sorted({p.arbeitsfeld.name for p in others} | {institution.arbeitsfeld.name})
    meetings = list(
        Meeting.objects.filter(
            date__range=(start, end),
            finalised_at__isnull=False,
            attendance__institution=institution,
            attendance__status=AttendanceStatus.ANWESEND,
        )
        .select_related("agreement", "subgroup", "quality_dialogue")
        .order_by("date", "pk")
        .distinct()
    )
    report.meetings = meetings
    counts = Counter(m.get_body_display() for m in meetings)
    report.meeting_counts = sorted(counts.items())
    report.conferences = list(
        Conference.objects.filter(
            date__range=(start, end),
            finalised_at__isnull=False,
            staff__institution=institution,
            staff__present=True,
        )
        .order_by("date")
        .values_list("date", flat=True)
        .distinct()
    )
    # Whether the institution has submitted its self-assessment comes with each dialogue (same query).
    own_submitted = SelfAssessment.objects.filter(
        dialogue=OuterRef("pk"), institution=institution, status=AssessmentStatus.SUBMITTED
    )
    dialogues = list(
        QualityDialogue.objects.filter(agreement__partners__institution=institution, year__range=(start.year, end.year))
        .select_related("agreement")
        .annotate(own_submitted=Exists(own_submitted))
        .order_by("year", "agreement__title")
        .distinct()
    )
    report.dialogues = [(d, d.own_submitted) for d in dialogues]
    return report


def _d(value) -> str:
    return formats.date_format(value, "d.m.Y") if value else ""


def evidence_csv(report: Evidence) -> str:
    """The report as CSV (semicolon-separated, as German spreadsheets expect)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Nachweis"), report.institution.name, _d(report.start), _d(report.end)])
    writer.writerow([_("Art"), _("Datum"), _("Bezeichnung"), _("Angabe")])
    for agreement, signature, signed, partners in report.agreements:
        writer.writerow(
            [
                _("Kooperationsvereinbarung"),
                _d(agreement.in_force_from),
                f"{agreement.title} ({agreement.revision_label})",
                (
                    _("%(status)s; unterzeichnet von %(signed)d von %(partners)d Partnern%(own)s")
                    % {
                        "status": agreement.get_status_display(),
                        "signed": signed,
                        "partners": partners,
                        "own": (_("; eigene Unterschrift am %(date)s") % {"date": _d(signature.signed_on)})
                        if signature
                        else "",
                    }
                )
                if signed is not None
                else _("%(status)s; noch nicht zur Unterzeichnung freigegeben")
                % {"status": agreement.get_status_display()},
            ]
        )
    for meeting in report.meetings:
        writer.writerow([_("Sitzung"), _d(meeting.date), meeting.get_body_display(), meeting.agreement.title])
    for day in report.conferences:
        writer.writerow([_("Hilfekonferenz"), _d(day), "", ""])
    for institution, titles in report.partners:
        writer.writerow([_("Partner"), "", institution.name, "; ".join(titles)])
    for dialogue, submitted in report.dialogues:
        writer.writerow(
            [
                _("Qualitätsdialog"),
                str(dialogue.year),
                dialogue.agreement.title,
                _("Selbsteinschätzung abgegeben") if submitted else _("keine Selbsteinschätzung abgegeben"),
            ]
        )
    return out.getvalue()
