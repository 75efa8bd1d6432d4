"""Demo data for working together on a text: a Vorlage, a comment thread and an Anlage (issue 15)."""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageDraw

from agreements.demo import MAIN_TITLE
from agreements.models import Agreement, AgreementTemplate, SectionComment
from agreements.services import collaboration
from kooperation.core import attachments
from kooperation.network import invitations
from kooperation.network.models import Role, User

TEMPLATE_NAME = "Frühe Hilfen – Kooperation mit dem Gesundheitswesen"


def _old_contract_pdf() -> bytes:
    """A one-page PDF standing in for the scan of the old paper contract (made with Pillow, no rendering)."""
    page = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(page).text((60, 80), "Kooperationsvereinbarung 2019 (Scan, Demo)", fill="black")
    buffer = BytesIO()
    page.save(buffer, "PDF", resolution=72)
    return buffer.getvalue()


def seed_collaboration(users, suffix: str = "") -> None:
    """Once per demo region: a comment thread on the main agreement (in work) and its old contract as Anlage."""
    if suffix == "" and not AgreementTemplate.objects.filter(name=TEMPLATE_NAME).exists():
        AgreementTemplate.objects.create(
            name=TEMPLATE_NAME,
            description="Für Netzwerke Frühe Hilfen mit Geburtskliniken, Familienhebammen und Jugendamt.",
            title="Kooperationsvereinbarung Frühe Hilfen",
            preamble="Die Partner vereinbaren, Familien rund um die Geburt früh und abgestimmt zu unterstützen.",
            target_groups="Schwangere und Familien mit Kindern bis drei Jahre\nFamilien in belasteten Lebenslagen",
            goals="Frühe, abgestimmte Hilfen ohne Lücken\nVerbindliche Wege zwischen Klinik und Jugendamt",
        )
    agreement = Agreement.objects.filter(title=f"{MAIN_TITLE}{suffix}").first()
    if agreement is not None:
        _person_request(users, agreement)
    if agreement is None or SectionComment.objects.filter(agreement=agreement).exists():
        return
    member, coordinator = users("mitglied"), users("koordination")
    thread = collaboration.add_comment(
        member,
        agreement,
        "zielgruppen",
        "Sollen junge Volljährige bis 21 Jahre ausdrücklich genannt werden? Bei uns sind das ein Drittel der Fälle.",
        mentioned=[coordinator],
    )
    collaboration.add_comment(
        coordinator,
        agreement,
        "zielgruppen",
        "Guter Punkt – ich nehme es in die nächste Fassung auf und bringe es in die Vorbereitungsgruppe.",
        parent=thread,
    )
    data = _old_contract_pdf()
    collaboration.add_attachment(
        coordinator,
        agreement,
        data=data,
        kind=attachments.check_attachment(data),
        name="Kooperationsvereinbarung-2019-Scan.pdf",
        description="Die auf Papier unterzeichnete Vorgängervereinbarung",
    )


def _person_request(users, agreement: Agreement) -> None:
    """Koordination of the Jugendamt asks the Drogenberatung for a Fachkraft for its Untergruppe: the
    Drogenberatung's Koordination (or Administration) meets the confirmation page."""
    confirmer = users("koordination.drobe")
    email = confirmer.email.replace("koordination.drobe", "fachkraft.neu", 1)
    if User.objects.filter(email=email).exists():
        return
    partner = (
        agreement.partners.select_related("institution")
        .filter(institution__memberships__user=confirmer, institution__memberships__role=Role.KOORDINATION)
        .first()
    )
    if partner is None:
        return
    invitations.request_person(
        users("koordination"),
        partner.institution,
        email=email,
        first_name="Nina",
        last_name="Roth",
        role=Role.FACHKRAFT,
        purpose=f"Untergruppe – {agreement.title}",
    )
