"""Demo cases, Hilfekonferenzen and Sitzungen for seed_demo: pseudonymous codes and role words only."""

from __future__ import annotations

from datetime import time, timedelta

from django.utils import timezone

from agreements.demo import MAIN_TITLE
from agreements.models import Agreement
from conferences import access
from conferences.demo_meetings import seed_meetings
from conferences.models import (
    Case,
    CaseTeamMember,
    Conference,
    CriterionCheck,
    FamilyParticipant,
    FamilyRole,
    InformationKind,
    Meeting,
    Rating,
    StaffParticipant,
    Task,
    TaskStatus,
)
from conferences.services.cases import (
    close_case,
    create_case,
    record_consent,
    revoke_consent,
    set_case_institutions,
    set_legal_hold,
)
from conferences.services.conferences import prepare_protocol
from kooperation.network.models import Institution

# Demo cases are recognised by their note (idempotency); notes never name anyone.
NOTES = {
    "familie_a": "Demo: Mutter in Substitution, Säugling; Entlassung aus der Neonatologie begleitet.",
    "familie_b": "Demo: Vater mit Suchtmittelbelastung, Kleinkind in der Krippe.",
    "familie_c": "Demo: Einwilligung widerrufen – Protokolle archiviert.",
}
R = Rating
# The Basiskriterien over three conferences of the first case: the development the case page shows.
TREND = [
    [R.TEILWEISE, R.ERFUELLT, R.ERFUELLT],
    [R.NICHT_ERFUELLT, R.TEILWEISE, R.ERFUELLT],
    [R.ERFUELLT, R.ERFUELLT, R.ERFUELLT],
    [R.TEILWEISE, R.TEILWEISE, R.ERFUELLT],
    [R.NICHT_BEURTEILBAR, R.TEILWEISE, R.TEILWEISE],
    [R.TEILWEISE, R.ERFUELLT, R.ERFUELLT],
]


def seed_conferences(institutions: dict[str, Institution], users, suffix: str = "") -> None:
    """Create the demo cases and meetings once under the main demo agreement (idempotent)."""
    agreement = Agreement.objects.filter(title=f"{MAIN_TITLE}{suffix}").first()
    if agreement is None:
        return
    youth, drugs, clinic = institutions["Jugendamt"], institutions["DroBe"], institutions["Klinikum"]
    if not Case.objects.filter(agreement=agreement, note=NOTES["familie_a"]).exists():
        _family_a(agreement, youth, drugs, clinic, users)
    if not Case.objects.filter(agreement=agreement, note=NOTES["familie_b"]).exists():
        _family_b(agreement, youth, drugs, users)
    if not Case.objects.filter(agreement=agreement, note=NOTES["familie_c"]).exists():
        _family_c(agreement, youth, clinic, users)
    if not Meeting.objects.filter(agreement=agreement).exists():
        seed_meetings(agreement, youth, drugs, clinic, users)


def _days(n: int):
    return timezone.localdate() + timedelta(days=n)


def _case(agreement, owner, others, user, note, given_by, information, team=()):
    """A case with its consent and institutions; `team`: further (person, institution) on the case team."""
    case = create_case(user, agreement=agreement, owner_institution=owner, note=note)
    record_consent(
        user,
        case,
        given_by=given_by,
        given_on=_days(-200),
        valid_until=_days(165),
        institutions=[owner, *others],
        information=information,
    )
    set_case_institutions(user, case, [owner, *others], case.version)
    for person, institution in team:
        CaseTeamMember.objects.get_or_create(
            case=case, user=person, defaults={"institution": institution, "added_by": user}
        )
    case.refresh_from_db()
    return case


def _conference(case, user, days_ago, ratings, staff, family, texts, tasks, final=True):
    conference = Conference.objects.create(
        case=case,
        date=_days(-days_ago),
        start_time=time(10, 0),
        end_time=time(11, 30),
        place="Jugendamt Lindenbrück, Besprechungsraum 2",
        moderator=user,
        invited_family=[role for role, _present in family],
        situation=texts[0],
        needs_parents=texts[1],
        needs_child=texts[2],
        next_date=_days(-days_ago + 90),
        created_by=user,
    )
    conference.invited.set([person for person, _institution in staff])
    for position, criterion in enumerate(case.agreement.criteria.all()):
        rating = ratings[position] if position < len(ratings) else R.NICHT_BEURTEILBAR
        CriterionCheck.objects.create(
            conference=conference,
            criterion=criterion,
            text=criterion.text,
            position=position,
            rating=rating,
            note="" if rating == R.ERFUELLT else "Wird in der nächsten Hilfekonferenz erneut geprüft.",
        )
    for position, (person, institution) in enumerate(staff):
        StaffParticipant.objects.create(conference=conference, institution=institution, user=person, position=position)
    for position, (role, present) in enumerate(family):
        FamilyParticipant.objects.create(conference=conference, role=role, present=present, position=position)
    for position, (what, institution, person, due_in, status) in enumerate(tasks):
        Task.objects.create(
            case=case,
            conference=conference,
            what=what,
            responsible_institution=institution,
            responsible_user=person,
            due_on=_days(due_in),
            how="im persönlichen Gespräch",
            with_whom="mit der Mutter",
            status=status,
            status_note="erledigt wie vereinbart" if status == TaskStatus.ERLEDIGT else "",
            position=position,
        )
    if final:
        conference.finalised_at = timezone.now() - timedelta(days=max(days_ago - 2, 0))
        conference.finalised_by = user
        conference.save(update_fields=["finalised_at", "finalised_by"])
    return conference


def _family_a(agreement, youth, drugs, clinic, users):
    fk_youth, fk_drugs, fk_clinic = users("fachkraft.jugendamt"), users("fachkraft"), users("fachkraft.klinikum")
    case = _case(
        agreement,
        youth,
        [drugs, clinic],
        fk_youth,
        NOTES["familie_a"],
        FamilyRole.MUTTER,
        [InformationKind.HILFEKONFERENZ, InformationKind.KIND, InformationKind.SUCHT, InformationKind.GESUNDHEIT],
        # The partners' Fachkräfte work on the case; without "Stand und Verlauf der Hilfen" in the consent
        # they see the situation analysis and the parents' needs as "nicht freigegeben".
        team=[(fk_drugs, drugs), (fk_clinic, clinic)],
    )
    staff = [(fk_youth, youth), (fk_drugs, drugs), (fk_clinic, clinic)]
    family = [(FamilyRole.MUTTER, True), (FamilyRole.VATER, False)]
    _conference(
        case,
        fk_youth,
        150,
        [row[0] for row in TREND],
        staff,
        family,
        (
            "Entlassung von Mutter und Säugling aus der Klinik steht bevor; Substitution stabil, Wohnung noch "
            "ohne Kinderbett.",
            "Begleitung der Substitution; Unterstützung bei der Einrichtung der Wohnung.",
            "Kinderärztliche Anbindung, Beobachtung der Entzugssymptomatik.",
        ),
        [
            ("Kinderbett und Erstausstattung beantragen", youth, fk_youth, -140, TaskStatus.ERLEDIGT),
            ("Termin bei der Kinderärztin vereinbaren", clinic, fk_clinic, -145, TaskStatus.ERLEDIGT),
        ],
    )
    _conference(
        case,
        fk_youth,
        60,
        [row[1] for row in TREND],
        staff,
        [(FamilyRole.MUTTER, True), (FamilyRole.VATER, True)],
        (
            "Mutter versorgt das Kind zuverlässig; Tagesstruktur noch unregelmäßig.",
            "Elterngruppe der Drogenberatung; Budgetberatung.",
            "Vorsorgeuntersuchung U5 wahrgenommen; Förderung im Alltag ausbauen.",
        ),
        [
            ("Anmeldung zur Elterngruppe „Starke Eltern“", drugs, fk_drugs, -30, TaskStatus.ERLEDIGT),
            ("Antrag auf Krippenplatz begleiten", youth, fk_youth, -5, TaskStatus.OFFEN),
        ],
    )
    conference = _conference(
        case,
        fk_youth,
        10,
        [row[2] for row in TREND],
        staff,
        [(FamilyRole.MUTTER, True), (FamilyRole.VATER, False)],
        (
            "Stabile Lage; die Familie nimmt die vereinbarten Hilfen an.",
            "Weiter Begleitung der Substitution, Austausch alle drei Monate.",
            "Eingewöhnung in der Krippe vorbereiten.",
        ),
        [
            ("Eingewöhnung in der Krippe mit der Mutter planen", youth, None, 14, TaskStatus.OFFEN),
            ("Beikonsum-Screening besprechen", drugs, fk_drugs, -2, TaskStatus.OFFEN),
            ("U6 beim Kinderarzt bestätigen lassen", clinic, None, 30, TaskStatus.OFFEN),
        ],
    )
    planned = Conference.objects.create(
        case=case,
        date=conference.next_date,
        start_time=time(9, 30),
        place="Drogenberatung Lindenbrück, Gruppenraum",
        moderator=fk_youth,
        invited_family=[FamilyRole.MUTTER, FamilyRole.VATER],
        created_by=fk_youth,
    )
    access.with_case_access(case)
    prepare_protocol(planned, [fk_youth, fk_drugs, fk_clinic], planned.invited_family)


def _family_b(agreement, youth, drugs, users):
    fk_drugs, fk_youth = users("fachkraft"), users("fachkraft.jugendamt")
    case = _case(
        agreement,
        drugs,
        [youth],
        fk_drugs,
        NOTES["familie_b"],
        FamilyRole.VATER,
        [InformationKind.HILFEKONFERENZ, InformationKind.HILFEVERLAUF],
        # The DroBe Mitglied reads along (and is refused the Koordination's pages); Jugendamt's Fachkraft works on it.
        team=[(users("mitglied"), drugs), (fk_youth, youth)],
    )
    _conference(
        case,
        fk_drugs,
        20,
        [R.ERFUELLT, R.TEILWEISE, R.ERFUELLT, R.ERFUELLT, R.TEILWEISE, R.TEILWEISE],
        [(fk_drugs, drugs), (fk_youth, youth)],
        [(FamilyRole.VATER, True), (FamilyRole.SORGEBERECHTIGT, True)],
        (
            "Der Vater sucht Unterstützung; die Großmutter übernimmt verlässlich die Betreuung am Nachmittag.",
            "Suchtberatung wöchentlich; Klärung der Erziehungsverantwortung.",
            "Krippenbesuch regelmäßig; Sprachförderung empfohlen.",
        ),
        [
            ("Beratungstermin zur Erziehungsverantwortung anbieten", youth, fk_youth, -3, TaskStatus.OFFEN),
            ("Kontakt zur Krippe wegen Sprachförderung", drugs, None, 10, TaskStatus.OFFEN),
        ],
    )


def _family_c(agreement, youth, clinic, users):
    fk_youth, fk_clinic = users("fachkraft.jugendamt"), users("fachkraft.klinikum")
    case = _case(
        agreement,
        youth,
        [clinic],
        fk_youth,
        NOTES["familie_c"],
        FamilyRole.SCHWANGERE,
        [InformationKind.HILFEKONFERENZ, InformationKind.GESUNDHEIT],
        team=[(fk_clinic, clinic)],
    )
    _conference(
        case,
        fk_youth,
        45,
        [R.TEILWEISE, R.ERFUELLT, R.ERFUELLT, R.NICHT_BEURTEILBAR, R.NICHT_BEURTEILBAR, R.NICHT_BEURTEILBAR],
        [(fk_youth, youth), (fk_clinic, clinic)],
        [(FamilyRole.SCHWANGERE, True)],
        (
            "Schwangerschaft in der 30. Woche; Substitution begonnen.",
            "Geburtsvorbereitung und Begleitung in der Substitution.",
            "Nach der Geburt Beobachtung durch die Neonatologie.",
        ),
        [("Kreißsaalführung vereinbaren", clinic, fk_clinic, -30, TaskStatus.ERLEDIGT)],
    )
    consent = case.consents.get()
    revoke_consent(fk_youth, consent, _days(-5))
    # Closed, with its deletion period running, and a Löschsperre the Koordination can lift.
    coordination = users("koordination")
    close_case(coordination, case, "Die Familie ist verzogen; die Zuständigkeit ist abgegeben.", case.version)
    set_legal_hold(coordination, case, "Auskunftsersuchen des Familiengerichts liegt vor.")
