"""Fixtures for cases, consents, conferences, meetings and tasks (imported by conftest.py).

`help_case` belongs to `institution` (owner) under `agreement`; `partner_institution` takes part
too. A valid consent covers both. Its team (need-to-know) holds `coordinator`, who opened it,
and whichever of `member`, `caseworker` and `partner_worker` the test uses — they see it;
`colleague` (Mitglied of `institution`, not on the team), `outsider` and `admin_user` (no
membership) do not.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from agreements.models import Criterion
from conferences import access
from conferences.models import (
    AgendaItem,
    Attendance,
    Body,
    CaseTeamMember,
    Conference,
    Consent,
    FamilyParticipant,
    FamilyRole,
    InformationKind,
    Meeting,
    Rating,
    StaffParticipant,
    Task,
)
from conferences.services.cases import create_case, record_consent, set_case_institutions
from conferences.services.conferences import finalise_conference, plan_conference
from conferences.services.meetings import finalise_meeting
from kooperation.network.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.pdf_samples import PLAIN_PDF

# A well-formed one-page PDF (with cross-reference table): uploads are parsed, not just sniffed.
MINIMAL_PDF = PLAIN_PDF


BASISKRITERIEN = [
    "eine Wohnung mit Wasser, Strom und Heizung, ohne extreme Verschmutzung",
    "die Absicherung des Lebensunterhaltes",
    "die Gewährleistung von ärztlicher Versorgung",
    "die Sicherung der Aufsichtspflicht durch eine kontinuierliche Bezugsperson für das Kind",
    "ein strukturierter Alltag mit regelmäßiger täglicher Versorgung des Kindes",
    "ausreichende pädagogische Förderung und emotionale Zuwendung",
]


def ensure_criteria(agreement) -> None:
    """The six Basiskriterien (a live-server test may have flushed the catalogue the migration loaded)."""
    if not agreement.criteria.exists():
        Criterion.objects.bulk_create(
            Criterion(agreement=agreement, text=text, position=i) for i, text in enumerate(BASISKRITERIEN)
        )


def today() -> date:
    return timezone.localdate()


def give_consent(case, user, institutions, *, document: bool = False, **overrides) -> Consent:
    """Record a consent valid from yesterday for a year (or as overridden)."""
    fields = {
        "given_by": FamilyRole.MUTTER,
        "given_on": today() - timedelta(days=1),
        "valid_until": today() + timedelta(days=365),
        "institutions": institutions,
        "information": [InformationKind.HILFEKONFERENZ, InformationKind.KIND],
        **overrides,
    }
    if document:
        fields["document"] = ContentFile(MINIMAL_PDF, name="einwilligung.pdf")
    return record_consent(user, case, **fields)


def open_case(user, agreement, owner, others=(), consent: bool = True):
    """A case with a consent covering the owner and `others`, all of them taking part."""
    case = create_case(user, agreement=agreement, owner_institution=owner)
    if consent:
        give_consent(case, user, [owner, *others])
        set_case_institutions(user, case, [owner, *others], case.version)
        case.refresh_from_db()
    return case


def join_team(case, user, institution=None, added_by=None) -> None:
    """Put a user on the case team (for the owning institution unless given)."""
    CaseTeamMember.objects.get_or_create(
        case=case,
        user=user,
        defaults={"institution": institution or case.owner_institution, "added_by": added_by or case.created_by},
    )


TEAM_FIXTURES = {"member": "institution", "caseworker": "institution", "partner_worker": "partner_institution"}


def plan(case, user, **overrides) -> Conference:
    access.with_case_access(case)
    fields = {
        "date": today() - timedelta(days=1),
        "start_time": time(10, 0),
        "end_time": time(11, 30),
        "place": "Jugendamt, Raum 3",
        "moderator": user,
        "invited": [user],
        "invited_family": [FamilyRole.MUTTER],
        **overrides,
    }
    return plan_conference(user, case, **fields)


def document(conference: Conference, user, tasks: int = 1, institution=None) -> Conference:
    """Fill every part of the protocol a finalisation needs."""
    conference.situation = "Die Familie lebt in einer eigenen Wohnung; die Substitution ist stabil."
    conference.needs_parents = "Begleitung bei Behördengängen."
    conference.needs_child = "Krippenplatz und Vorsorgeuntersuchung U6."
    conference.next_date = conference.date + timedelta(days=90)
    conference.save()
    conference.checks.update(rating=Rating.ERFUELLT)
    if not conference.staff.exists():
        StaffParticipant.objects.create(conference=conference, institution=conference.case.owner_institution, user=user)
    if not conference.family.exists():
        FamilyParticipant.objects.create(conference=conference, role=FamilyRole.MUTTER)
    for i in range(tasks):
        Task.objects.create(
            case=conference.case,
            conference=conference,
            what=f"Aufgabe {i + 1}: Termin vereinbaren",
            responsible_institution=institution or conference.case.owner_institution,
            due_on=today() + timedelta(days=7 + i),
            position=i,
        )
    return conference


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def partner_worker(partner_institution):
    """Fachkraft of `partner_institution`, which takes part in `case`."""
    return MembershipFactory(
        institution=partner_institution, role=Role.FACHKRAFT, user=UserFactory(first_name="Paula")
    ).user


def make_colleague(institution):
    return MembershipFactory(institution=institution, role=Role.MITGLIED, user=UserFactory(first_name="Cora")).user


@pytest.fixture
def colleague(institution):
    """Mitglied of `institution` who is not on the team of `help_case`: sees none of it."""
    return make_colleague(institution)


# The builders behind the fixtures below (shared worlds such as the permission matrix's use them too).


def make_help_case(agreement, coordinator, institution, partner_institution, team=()):
    """A case of `institution` under `agreement`, both institutions covered by a consent with a document.

    `team`: (user, institution) pairs put on the case team besides its creator.
    """
    ensure_criteria(agreement)
    case = create_case(coordinator, agreement=agreement, owner_institution=institution)
    give_consent(case, coordinator, [institution, partner_institution], document=True)
    set_case_institutions(coordinator, case, [institution, partner_institution], case.version)
    for user, team_institution in team:
        join_team(case, user, team_institution)
    case.refresh_from_db()
    return case


def make_case_without_consent(agreement, coordinator, institution):
    return create_case(coordinator, agreement=agreement, owner_institution=institution)


def make_final_conference(help_case, coordinator):
    conference = document(plan(help_case, coordinator), coordinator)
    return finalise_conference(coordinator, conference)


def make_task(conference, coordinator, institution):
    """Documents `conference` (an open protocol with one task of `institution`) and returns the task."""
    return document(conference, coordinator, tasks=1, institution=institution).tasks.get()


def make_meeting(agreement, coordinator):
    return Meeting.objects.create(
        agreement=agreement,
        body=Body.KOOPERATIONSGREMIUM,
        date=today() - timedelta(days=2),
        start_time=time(14, 0),
        place="Rathaus, Sitzungssaal",
        recorder=coordinator,
        created_by=coordinator,
    )


def make_final_meeting(meeting, coordinator, institution):
    AgendaItem.objects.create(meeting=meeting, title="Stand der Vereinbarung", decisions="Entwurf bis Juni.")
    Attendance.objects.create(meeting=meeting, institution=institution, name="Kora Koordination")
    return finalise_meeting(coordinator, meeting)


@pytest.fixture
def help_case(request, agreement, coordinator, institution, partner_institution, media_root):
    # The users a test asks for by fixture work on the case (need-to-know); `colleague` never does.
    team = [
        (request.getfixturevalue(name), request.getfixturevalue(institution_fixture))
        for name, institution_fixture in TEAM_FIXTURES.items()
        if name in request.fixturenames
    ]
    return make_help_case(agreement, coordinator, institution, partner_institution, team)


@pytest.fixture
def case_without_consent(agreement, coordinator, institution):
    return make_case_without_consent(agreement, coordinator, institution)


@pytest.fixture
def consent(help_case):
    return help_case.consents.get()


@pytest.fixture
def conference(help_case, coordinator):
    return plan(help_case, coordinator)


@pytest.fixture
def final_conference(help_case, coordinator):
    return make_final_conference(help_case, coordinator)


@pytest.fixture
def task(conference, coordinator, institution):
    return make_task(conference, coordinator, institution)


@pytest.fixture
def meeting(agreement, coordinator):
    return make_meeting(agreement, coordinator)


@pytest.fixture
def final_meeting(meeting, coordinator, institution):
    return make_final_meeting(meeting, coordinator, institution)
