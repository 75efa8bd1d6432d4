"""What `manage.py bench_pages` visits: the pages per role in the first region of the demo data, and the PDFs.

Imported only by the command (it reads the demo data's names), never by the URL configuration.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from agreements.demo import APPROVAL_TITLE, IN_FORCE_TITLE, MAIN_TITLE, REVIEW_TITLE
from agreements.models import Agreement, Partner, QualityDialogue, Subgroup
from agreements.queries.sections import SECTIONS
from conferences.demo import NOTES
from conferences.models import Case, Conference
from kooperation.network import twofactor
from kooperation.network.models import User

DOMAIN = "kooperation.example"
ROLES = {
    "Administration": "admin",
    "Koordination": "koordination",
    "Mitglied": "mitglied",
    "Leitung": "leitung",
    "Fachkraft": "fachkraft.jugendamt",
}
FLOOR, ANONYMOUS = "floor (angemeldet)", "floor (anonym)"


@dataclass
class Page:
    name: str
    role: str | None
    url: str


def pages_to_visit() -> list[Page]:
    """Every page the benchmark visits, in the first region of the demo data."""
    main = Agreement.objects.get(title=MAIN_TITLE)
    approval = Agreement.objects.get(title=APPROVAL_TITLE)
    in_force = Agreement.objects.filter(title=IN_FORCE_TITLE, predecessor__isnull=True).first() or (
        Agreement.objects.filter(title=IN_FORCE_TITLE).order_by("pk").first()
    )
    review = Agreement.objects.get(title=REVIEW_TITLE)
    dialogue = QualityDialogue.objects.filter(agreement=review).order_by("-year").first()
    case = Case.objects.get(agreement=main, note=NOTES["familie_a"])
    final = Conference.objects.filter(case=case, finalised_at__isnull=False).order_by("-date").first()
    open_conference = Conference.objects.filter(case__agreement=main, finalised_at__isnull=True).first() or final
    subgroup = Subgroup.objects.filter(agreement=main).order_by("pk").first()
    partner = Partner.objects.filter(agreement=main).order_by("pk").first()
    youth = main.coordinating_institution
    section = next(iter(SECTIONS)) if isinstance(SECTIONS, dict) else SECTIONS[0].key
    pages = [Page(FLOOR, "Koordination", "/_bench/floor/"), Page(ANONYMOUS, None, "/_bench/anonym/")]
    pages += [Page(f"Startseite {role}", role, reverse("dashboard")) for role in ROLES]
    k, f, a = "Koordination", "Fachkraft", "Administration"
    pages += [
        Page("Vereinbarungen: Liste", k, reverse("agreement_list")),
        Page("Vereinbarungen: Liste (Administration)", a, reverse("agreement_list")),
        Page("Vereinbarung: neu (Formular)", k, reverse("agreement_create")),
        Page("Vereinbarung: Detail", k, reverse("agreement_detail", args=[main.pk])),
        Page("Arbeitsstruktur: Leitfaden", k, reverse("agreement_guide", args=[main.pk])),
        Page("Arbeitsstruktur: Vorbereitungsgruppe", k, reverse("structure_prep", args=[main.pk])),
        Page("Arbeitsstruktur: Gremium", k, reverse("structure_board", args=[main.pk])),
        Page("Arbeitsstruktur: Untergruppen", k, reverse("structure_subgroups", args=[main.pk])),
        Page("Arbeitsstruktur: Ergebnisse", k, reverse("agreement_answers", args=[main.pk])),
        Page("Arbeitsstruktur: Untergruppe", k, reverse("subgroup_work", args=[subgroup.pk])),
        Page("Arbeitsstruktur: interne Klärung", k, reverse("partner_reflection", args=[main.pk, partner.pk])),
        Page("Abschnitt bearbeiten", k, reverse("agreement_section", args=[main.pk, section])),
        Page("Abstimmung", k, reverse("agreement_approval", args=[approval.pk])),
        Page("Fälle: Liste", f, reverse("case_list")),
        Page("Fall: Detail", f, reverse("case_detail", args=[case.pk])),
        Page("Fall: Zugriffsprotokoll", k, reverse("case_access_log", args=[case.pk])),
        Page("Hilfekonferenz: Detail", f, reverse("conference_detail", args=[final.pk])),
        Page("Hilfekonferenz: Protokoll bearbeiten", f, reverse("conference_protocol", args=[open_conference.pk])),
        Page("Aufgaben", f, reverse("my_tasks")),
        Page("Netzwerk: Liste", k, reverse("institution_list")),
        Page("Netzwerk: Bild", k, reverse("network_picture")),
        Page("Netzwerk: Bild (Administration)", a, reverse("network_picture")),
        Page("Nachweis", k, reverse("evidence_report", args=[youth.pk])),
        Page("Qualitätsdialog", k, reverse("quality_dialogue", args=[dialogue.pk])),
        Page("Benutzerkonten", a, reverse("user_list")),
    ]
    pdfs = {
        "Vertrag (Vorschau)": reverse("contract_preview", args=[main.pk]),
        "Kooperationsblatt": reverse("cooperation_sheet", args=[in_force.pk]),
        "Nachweis": reverse("evidence_pdf", args=[youth.pk]),
        "Protokoll": reverse("conference_pdf", args=[final.pk]),
    }
    return pages, pdfs


def session_for(user: User) -> str:
    """A signed-in session without the login form (which may ask for a second factor)."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # As after the code step: an account with a second factor (Administration, Leitung) is otherwise signed out.
    store[twofactor.SESSION_STATE] = (
        twofactor.VERIFIED if twofactor.has_second_factor(user) else twofactor.PASSWORD_ONLY
    )
    store.create()
    return store.session_key
