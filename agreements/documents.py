"""The signable contract: structured content, fingerprint, and the PDF renderer."""

from __future__ import annotations

import hashlib
import json

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from agreements.models import Agreement
from agreements.queries.collaboration import contract_attachments
from agreements.queries.sections import SECTIONS, with_full_text
from kooperation.core.documents import PdfRenderer, json_attachment
from kooperation.network.models import Leader


def load(agreement: Agreement) -> Agreement:
    """The agreement with everything the contract shows, in a fixed number of queries."""
    return with_full_text(Agreement.objects.filter(pk=agreement.pk)).get()


def _date(value) -> str | None:
    return value.isoformat() if value else None


def contract_data(agreement: Agreement) -> dict:
    """The agreement's content as plain data: the JSON attached to the PDF, and the fingerprint's basis."""
    term = agreement.term
    return {
        "format": "kooperation-vereinbarung/1",
        "title": agreement.title,
        "revision": agreement.revision_label,
        "revision_number": agreement.revision,
        "stand": _date(agreement.stand),
        "preamble": agreement.preamble,
        "coordinating_institution": agreement.coordinating_institution.name,
        "partners": [
            {
                "institution": p.institution.name,
                "arbeitsfeld": p.institution.arbeitsfeld.name,
                "contribution": p.contribution,
                "expectations": p.expectations,
            }
            for p in agreement.partners.all()
        ],
        "target_groups": [{"name": t.name, "description": t.description} for t in agreement.target_groups.all()],
        "goals": [{"goal": g.text, "indicators": [i.text for i in g.indicators.all()]} for g in agreement.goals.all()],
        "basiskriterien": [c.text for c in agreement.criteria.all()],
        "responsibilities": [
            {"institution": r.institution.name, "role": r.role, "tasks": r.tasks}
            for r in agreement.responsibilities.all()
        ],
        "communication": [
            {"what": c.subject, "between": c.between, "how": c.channel, "how_often": c.frequency}
            for c in agreement.communication_paths.all()
        ],
        "data_protection": {
            "principles": agreement.data_protection.principles,
            "sharing": [
                {
                    "information": r.information,
                    "between": r.between,
                    "basis": r.get_basis_display(),
                    "reference": r.legal_reference,
                }
                for r in agreement.sharing_rules.all()
            ],
            "not_shared": agreement.data_protection.not_shared,
            "target_group_info": agreement.data_protection.target_group_info,
        },
        "flow_plans": [
            {
                "arbeitsfeld": f.arbeitsfeld.name,
                "situation": f.situation,
                "recommendation": f.recommendation,
                "goal": f.goal,
            }
            for f in agreement.flow_plans.all()
        ],
        "help_conference": {
            "occasion": agreement.conference_rules.occasion,
            "frequency": agreement.conference_rules.frequency,
            "participants": agreement.conference_rules.participants,
            "protocol": agreement.conference_rules.protocol_distribution,
        },
        "term": {
            "valid_from": _date(term.valid_from),
            "duration_months": term.duration_months,
            "valid_until": _date(term.end_date),
            "review_interval_months": term.review_interval_months,
            "notice_period_months": term.notice_period_months,
            "board_duties": term.board_duties,
        },
    }


def with_attachments(data: dict, agreement: Agreement) -> dict:
    """Add the Anlagen the contract lists (only when there are some: older fingerprints stay the same)."""
    listed = contract_attachments(agreement)
    if listed:
        data["anlagen"] = [{"name": a.name, "description": a.description} for a in listed]
    return data


def canonical_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


def fingerprint(data: dict) -> str:
    """A short code of the content, printed on every page: matches a paper copy to its revision."""
    digest = hashlib.sha256(canonical_json(data)).hexdigest().upper()
    return "-".join(digest[i : i + 4] for i in range(0, 12, 4))


def signatories(agreement: Agreement) -> list[tuple]:
    """Each partner with its signing Leitung (the first marked as signing; else the first Leitung)."""
    ids = [p.institution_id for p in agreement.partners.all()]
    leaders: dict[int, Leader] = {}
    for leader in Leader.objects.filter(institution_id__in=ids).order_by("-signs", "position", "pk"):
        leaders.setdefault(leader.institution_id, leader)
    return [(p, leaders.get(p.institution_id)) for p in agreement.partners.all()]


def _columns(partners: list) -> list[list]:
    if len(partners) <= 8:
        return [partners]
    middle = (len(partners) + 1) // 2
    return [partners[:middle], partners[middle:]]


class ContractRenderer(PdfRenderer):
    """The contract of one revision: title page, numbered sections, signature page."""

    template_name = "print/contract.html"
    stylesheets = ("css/print-base.css", "css/print-contract.css")
    pdf_variant = "pdf/a-3b"

    def __init__(self, agreement: Agreement, *, draft: bool):
        self.agreement = load(agreement)
        self.draft = draft
        self.data = with_attachments(contract_data(self.agreement), self.agreement)
        self.fingerprint = fingerprint(self.data)

    def filename(self) -> str:
        rev = f"{self.agreement.revision:03d}"
        kind = "Entwurf" if self.draft else "Vertrag"
        return f"Kooperationsvereinbarung-{self.agreement.pk}-Rev{rev}-{kind}.pdf"

    def metadata(self) -> dict:
        return {
            "title": self.agreement.title,
            "author": self.agreement.coordinating_institution.name,
            "subject": self.agreement.revision_label,
        }

    def attachments(self):
        if self.draft:
            return []
        return [
            json_attachment(
                "vereinbarung.json",
                canonical_json(self.data),
                _("Inhalt der Vereinbarung, maschinenlesbar"),
            )
        ]

    def get_context(self) -> dict:
        agreement = self.agreement
        status = _("Entwurf") if self.draft else agreement.get_status_display()
        return {
            "agreement": agreement,
            "sections": [(i, s) for i, s in enumerate(SECTIONS, start=1)],
            # More than eight partners: two columns on the title page (read down, then across).
            "partner_columns": _columns(list(agreement.partners.all())),
            "signatories": signatories(agreement),
            "anlagen": self.data.get("anlagen", []),
            "fingerprint": self.fingerprint,
            "status_label": status,
            "draft_mark": _("ENTWURF") if self.draft else "",
            "printed_at": formats.date_format(timezone.localdate(), "d.m.Y"),
            "running_title": agreement.title,
            "running_revision": f"{agreement.revision_label} · {status}",
            "running_fingerprint": _("Fingerabdruck %(code)s") % {"code": self.fingerprint},
        }
