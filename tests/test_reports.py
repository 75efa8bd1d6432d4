"""The Nachweis (seed 003): figures checked against a hand-counted fixture, as page, CSV and PDF.

The fixture: "Suchtberatung Lindenbrück" (SB) is partner of two agreements outside Entwurf —
"Kooperation rund um die Geburt" with the Jugendamt (signed by both, SB on TODAY) and "Frühe Hilfen
in der Klinik" with the Frauenklinik (signed by the Klinik only). An agreement in Entwurf and one
ended last year, both with the Grundschule, do not count. Of seven meetings SB attended three
finalised ones in the period (two Kooperationsgremium, one Vorbereitungsgruppe); one is not
finalised, SB was excused from one, one lies before the period and one SB did not attend at all.
Of five Hilfekonferenzen two finalised ones in the period had SB staff present; at one SB's staff
was not present, one is not finalised, one lies before the period.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, time
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, Status, Term
from agreements.services.agreement import create_agreement
from conferences.models import AgendaItem, Attendance, AttendanceStatus, Body, Conference, Meeting, StaffParticipant
from kooperation.network.models import Institution, Role
from kooperation.pages.evidence import evidence
from tests import quality_data as qd
from tests import signing_data as sd
from tests.conference_fixtures import open_case
from tests.factories import ArbeitsfeldFactory, InstitutionFactory, MembershipFactory, UserFactory
from tests.shared_data import built_once

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year
PERIOD = {"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"}

MINUTES = "Vertrauliche Protokollnotiz: Familie Kranich braucht dringend eine Wohnung."
DECISIONS = "Beschluss: Die Klinik informiert das Jugendamt über jede Geburt."
SITUATION = "Situationsanalyse: Die Mutter ist seit März substituiert; der Vater trinkt."
NEEDS = "Hilfebedarf: Begleitung zur Schuldnerberatung."
NOT_ALLOWED = (
    "Den Nachweis von „Suchtberatung Lindenbrück“ sehen nur deren Koordination und Leitung sowie die Administration."
)


def d(day: date) -> str:
    return day.strftime("%d.%m.%Y")


@dataclass
class World:
    home: Institution
    youth: Institution
    clinic: Institution
    school: Institution
    birth: Agreement  # SB + Jugendamt, in force
    clinic_agreement: Agreement  # Frauenklinik + SB, waiting for SB's signature
    parties: dict
    case_codes: list


def _meeting(agreement, recorder, day, body, attendance, final=True, subgroup=None):
    meeting = Meeting.objects.create(
        agreement=agreement,
        body=body,
        subgroup=subgroup,
        date=day,
        start_time=time(14, 0),
        place="Rathaus, Sitzungssaal",
        recorder=recorder,
        created_by=recorder,
    )
    AgendaItem.objects.create(
        meeting=meeting, title="Fallübergreifender Austausch", minutes=MINUTES, decisions=DECISIONS
    )
    for position, (institution, status) in enumerate(attendance):
        Attendance.objects.create(
            meeting=meeting, institution=institution, name=f"Vertretung {position}", status=status, position=position
        )
    if final:
        Meeting.objects.filter(pk=meeting.pk).update(finalised_at=timezone.now(), finalised_by=recorder)
    return meeting


def _conference(case, user, day, staff, final=True):
    conference = Conference.objects.create(
        case=case,
        date=day,
        start_time=time(10, 0),
        place="Familienzentrum",
        moderator=user,
        created_by=user,
        situation=SITUATION,
        needs_parents=NEEDS,
        needs_child=NEEDS,
    )
    for position, (institution, present) in enumerate(staff):
        StaffParticipant.objects.create(
            conference=conference, institution=institution, name=f"Fachkraft {position}", present=present
        )
    if final:
        Conference.objects.filter(pk=conference.pk).update(finalised_at=timezone.now(), finalised_by=user)
    return conference


def build_world() -> World:
    def institution(name, short, field):
        return InstitutionFactory(name=name, short_name=short, arbeitsfeld=ArbeitsfeldFactory(name=field))

    home = institution("Suchtberatung Lindenbrück", "SB", "Drogenhilfe")
    youth = institution("Jugendamt Lindenbrück", "JA", "Jugendhilfe")
    clinic = institution("Frauenklinik Lindenbrück", "FK", "Medizinische Versorgung")
    school = institution("Grundschule am Park", "GS", "Schule")
    parties = {i.pk: sd.party(i) for i in (home, youth, clinic)}
    sb, ja, fk = parties[home.pk], parties[youth.pk], parties[clinic.pk]

    # Signed by both: in force from 1 April.
    birth = sd.approved([sb, ja], title="Kooperation rund um die Geburt")
    Term.objects.filter(agreement=birth).update(valid_from=date(YEAR, 4, 1))
    sd.release(birth, sb.koordination)
    sd.sign(birth, ja, signed_on=TODAY)
    sd.sign(birth, sb, signed_on=TODAY)
    birth = Agreement.objects.get(pk=birth.pk)
    assert birth.status == Status.IN_KRAFT
    # Waiting for the Suchtberatung's signature.
    clinic_agreement = sd.approved([fk, sb], title="Frühe Hilfen in der Klinik")
    sd.release(clinic_agreement, fk.koordination)
    sd.sign(clinic_agreement, fk, signed_on=TODAY)
    # Not counted: a draft, an agreement ended last year, and one the Suchtberatung is no partner of.
    create_agreement(
        sb.koordination,
        title="Entwurf Schulsozialarbeit",
        preamble="",
        coordinating_institution=home,
        institutions=[school],
    )
    ended = create_agreement(
        sb.koordination,
        title="Alte Vereinbarung Schule",
        preamble="",
        coordinating_institution=home,
        institutions=[school],
    )
    Agreement.objects.filter(pk=ended.pk).update(status=Status.BEENDET, ended_on=date(YEAR - 1, 6, 30))
    others = create_agreement(
        ja.koordination,
        title="Jugendamt und Schule",
        preamble="",
        coordinating_institution=youth,
        institutions=[school],
    )
    Agreement.objects.filter(pk=others.pk).update(status=Status.IN_KRAFT)

    present, excused = AttendanceStatus.ANWESEND, AttendanceStatus.ENTSCHULDIGT
    recorder = sb.koordination
    kg, vg = Body.KOOPERATIONSGREMIUM, Body.VORBEREITUNGSGRUPPE
    # Counted: two SB attendees at the first meeting still make one meeting.
    _meeting(birth, recorder, date(YEAR, 2, 10), kg, [(home, present), (home, present), (youth, present)])
    _meeting(birth, recorder, date(YEAR, 5, 5), vg, [(home, present)])
    _meeting(clinic_agreement, recorder, date(YEAR, 9, 15), kg, [(clinic, present), (home, present)])
    # Not counted.
    _meeting(birth, recorder, date(YEAR, 10, 1), kg, [(home, present)], final=False)
    _meeting(clinic_agreement, recorder, date(YEAR, 7, 7), kg, [(home, excused), (clinic, present)])
    _meeting(birth, recorder, date(YEAR - 1, 11, 20), kg, [(home, present)])
    _meeting(others, ja.koordination, date(YEAR, 8, 8), kg, [(youth, present), (school, present)])

    case = open_case(sb.koordination, birth, home, others=[youth])
    second = open_case(sb.koordination, birth, home, others=[youth])
    # Counted: two SB staff at the second conference still make one conference.
    _conference(case, recorder, date(YEAR, 3, 12), [(home, True), (youth, True)])
    _conference(second, recorder, date(YEAR, 8, 20), [(home, True), (home, True)])
    # Not counted.
    _conference(case, recorder, date(YEAR, 6, 18), [(home, False), (youth, True)])
    _conference(case, recorder, date(YEAR, 10, 30), [(home, True)], final=False)
    _conference(second, recorder, date(YEAR - 1, 12, 1), [(home, True)])

    # Quality dialogues: submitted for the birth agreement, outstanding for the clinic's; one two years ago.
    dialogue = qd.open_dialogue(sb.koordination, birth, YEAR)
    qd.fill(sb.koordination, dialogue, home, [3, 3, 4, 4])
    qd.open_dialogue(fk.koordination, clinic_agreement, YEAR)
    qd.open_dialogue(sb.koordination, birth, YEAR - 2)
    return World(
        home,
        youth,
        clinic,
        school,
        birth,
        Agreement.objects.get(pk=clinic_agreement.pk),
        parties,
        [case.code, second.code],
    )


@pytest.fixture(scope="module", autouse=True)
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module (tests/shared_data.py): the tests only read it, and what they add is rolled back."""
    with built_once(django_db_blocker, tmp_path_factory.mktemp("nachweis-media"), build_world) as data:
        yield data


@pytest.fixture
def home_coordinator(world):
    return world.parties[world.home.pk].koordination


def _get(client, name, world, query=PERIOD):
    return client.get(reverse(name, args=[world.home.pk]), query)


def _text(content: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content)))


def expected_rows(world: World) -> list[list[str]]:
    birth, clinic = world.birth, world.clinic_agreement
    return [
        ["Nachweis", "Suchtberatung Lindenbrück", f"01.01.{YEAR}", f"31.12.{YEAR}"],
        ["Art", "Datum", "Bezeichnung", "Angabe"],
        [
            "Kooperationsvereinbarung",
            "",
            f"Frühe Hilfen in der Klinik ({clinic.revision_label})",
            "Zur Unterzeichnung; unterzeichnet von 1 von 2 Partnern",
        ],
        [
            "Kooperationsvereinbarung",
            f"01.04.{YEAR}",
            f"Kooperation rund um die Geburt ({birth.revision_label})",
            f"In Kraft; unterzeichnet von 2 von 2 Partnern; eigene Unterschrift am {d(TODAY)}",
        ],
        ["Sitzung", f"10.02.{YEAR}", "Kooperationsgremium", "Kooperation rund um die Geburt"],
        ["Sitzung", f"05.05.{YEAR}", "Vorbereitungsgruppe", "Kooperation rund um die Geburt"],
        ["Sitzung", f"15.09.{YEAR}", "Kooperationsgremium", "Frühe Hilfen in der Klinik"],
        ["Hilfekonferenz", f"12.03.{YEAR}", "", ""],
        ["Hilfekonferenz", f"20.08.{YEAR}", "", ""],
        ["Partner", "", "Frauenklinik Lindenbrück", "Frühe Hilfen in der Klinik"],
        ["Partner", "", "Jugendamt Lindenbrück", "Kooperation rund um die Geburt"],
        ["Qualitätsdialog", str(YEAR), "Frühe Hilfen in der Klinik", "keine Selbsteinschätzung abgegeben"],
        ["Qualitätsdialog", str(YEAR), "Kooperation rund um die Geburt", "Selbsteinschätzung abgegeben"],
    ]


def _forbidden(world: World) -> list[str]:
    """What must never appear: case codes, protocol content, and what lies outside the period or scope."""
    return [
        *world.case_codes,
        "F-",
        "Kranich",
        "Protokollnotiz",
        "Beschluss:",
        "Situationsanalyse:",
        "substituiert",
        "Schuldnerberatung",
        "Familienzentrum",
        "Fachkraft 0",
        "Vertretung 0",
        "Grundschule",
        "Entwurf Schulsozialarbeit",
        "Alte Vereinbarung",
        "Jugendamt und Schule",
        f"20.11.{YEAR - 1}",
        f"01.12.{YEAR - 1}",
        f"18.06.{YEAR}",
        f"07.07.{YEAR}",
        f"01.10.{YEAR}",
        f"30.10.{YEAR}",
        f"08.08.{YEAR}",
        str(YEAR - 2),
    ]


# The figures ---------------------------------------------------------------------------------


def test_report_counts_match_the_hand_counted_fixture(world):
    report = evidence(world.home, date(YEAR, 1, 1), date(YEAR, 12, 31))
    assert [(a.title, own is not None, signed, partners) for a, own, signed, partners in report.agreements] == [
        ("Frühe Hilfen in der Klinik", False, 1, 2),
        ("Kooperation rund um die Geburt", True, 2, 2),
    ]
    assert [m.date for m in report.meetings] == [date(YEAR, 2, 10), date(YEAR, 5, 5), date(YEAR, 9, 15)]
    assert report.meeting_counts == [("Kooperationsgremium", 2), ("Vorbereitungsgruppe", 1)]
    assert report.conferences == [date(YEAR, 3, 12), date(YEAR, 8, 20)]
    assert [(i.name, titles) for i, titles in report.partners] == [
        ("Frauenklinik Lindenbrück", ["Frühe Hilfen in der Klinik"]),
        ("Jugendamt Lindenbrück", ["Kooperation rund um die Geburt"]),
    ]
    assert report.fields == ["Drogenhilfe", "Jugendhilfe", "Medizinische Versorgung"]
    assert [(dlg.year, dlg.agreement.title, submitted) for dlg, submitted in report.dialogues] == [
        (YEAR, "Frühe Hilfen in der Klinik", False),
        (YEAR, "Kooperation rund um die Geburt", True),
    ]


def test_page_shows_the_exact_counts_and_dates(client_for, world, home_coordinator):
    response = _get(client_for(home_coordinator), "evidence_report", world)
    assert response.status_code == 200
    page = _text(response.content.decode())
    signer = world.parties[world.home.pk].leader.name
    assert "Frühe Hilfen in der Klinik " in page
    assert (
        f"Kooperation rund um die Geburt {world.birth.revision_label} In Kraft 01.04.{YEAR} – 31.03.{YEAR + 3}" in page
    )
    assert "1 von 2 Partnern" in page
    assert f"2 von 2 Partnern eigene Unterschrift: {signer}, {d(TODAY)}" in page
    assert "Kooperationsgremium: 2 · Vorbereitungsgruppe: 1" in page
    assert re.findall(r"(\d\d\.\d\d\.\d{4}) (Kooperationsgremium|Vorbereitungsgruppe) ", page) == [
        (f"10.02.{YEAR}", "Kooperationsgremium"),
        (f"05.05.{YEAR}", "Vorbereitungsgruppe"),
        (f"15.09.{YEAR}", "Kooperationsgremium"),
    ]
    assert f"2 abgeschlossene Hilfekonferenzen: 12.03.{YEAR}, 20.08.{YEAR}" in page
    assert "Arbeitsfelder: Drogenhilfe, Jugendhilfe, Medizinische Versorgung" in page
    assert "Frauenklinik Lindenbrück (Medizinische Versorgung)" in page
    assert "Jugendamt Lindenbrück (Jugendhilfe)" in page
    assert f"{YEAR} – Frühe Hilfen in der Klinik: keine Selbsteinschätzung abgegeben" in page
    assert f"{YEAR} – Kooperation rund um die Geburt: Selbsteinschätzung abgegeben" in page
    for text in _forbidden(world):
        assert text not in page, text


def test_csv_rows_are_exact(client_for, world, home_coordinator):
    response = _get(client_for(home_coordinator), "evidence_csv", world)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="Nachweis-{world.home.pk}-{YEAR}0101-{YEAR}1231.csv"'
    )
    content = response.content.decode("utf-8")
    assert list(csv.reader(io.StringIO(content), delimiter=";")) == expected_rows(world)
    for text in _forbidden(world):
        assert text not in content, text


def test_pdf_passes_qpdf_and_shows_the_figures(client_for, world, home_coordinator, tmp_path):
    sd.require_tools("qpdf", "pdftotext", "pdfinfo")
    response = _get(client_for(home_coordinator), "evidence_pdf", world)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "nachweis.pdf"
    pdf.write_bytes(b"".join(response.streaming_content) if response.streaming else response.content)
    sd.tool("qpdf", "--check", pdf)
    text = re.sub(r"\s+", " ", sd.tool("pdftotext", pdf, "-"))
    for expected in (
        "Nachweis der Kooperation",
        "Suchtberatung Lindenbrück",
        f"Zeitraum 01.01.{YEAR} bis 31.12.{YEAR}",
        "Kooperationsgremium: 2 · Vorbereitungsgruppe: 1",
        f"10.02.{YEAR}",
        f"05.05.{YEAR}",
        f"15.09.{YEAR}",
        f"2 abgeschlossene Hilfekonferenzen: 12.03.{YEAR}, 20.08.{YEAR}",
        "1 von 2 Partnern",
        "2 von 2 Partnern",
        f"01.04.{YEAR}",
        "Frauenklinik Lindenbrück (Medizinische Versorgung)",
        "Selbsteinschätzung abgegeben",
    ):
        assert expected in text, expected
    for forbidden in _forbidden(world):
        assert forbidden not in text, forbidden
    pages = sd.page_count(pdf)
    assert re.sub(r"\s+", " ", sd.page_text(pdf, pages)).count(f"Seite {pages} von {pages}") == 1


def test_the_period_narrows_everything(client_for, world, home_coordinator):
    client = client_for(home_coordinator)
    response = _get(client, "evidence_csv", world, {"start": f"{YEAR}-03-01", "end": f"{YEAR}-06-30"})
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    kinds = [(row[0], row[1]) for row in rows[2:] if row[0] in ("Sitzung", "Hilfekonferenz")]
    assert kinds == [("Sitzung", f"05.05.{YEAR}"), ("Hilfekonferenz", f"12.03.{YEAR}")]


def test_default_period_is_the_current_year(client_for, world, home_coordinator):
    response = client_for(home_coordinator).get(reverse("evidence_report", args=[world.home.pk]))
    form = response.context["form"]
    assert form.period() == (date(YEAR, 1, 1), date(YEAR, 12, 31))
    assert response.context["report"].conferences == [date(YEAR, 3, 12), date(YEAR, 8, 20)]


# The period form -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": f"{YEAR}-06-01", "end": f"{YEAR}-01-31"}, "end", "Das Ende des Zeitraums liegt vor seinem Beginn."),
        (
            {"start": f"{YEAR - 6}-01-01", "end": f"{YEAR}-01-01"},
            "end",
            "Bitte höchstens fünf Jahre auf einmal auswerten.",
        ),
        ({"start": f"{YEAR}-02-31", "end": f"{YEAR}-12-31"}, "start", "Bitte ein gültiges Datum eingeben."),
        ({"start": "", "end": f"{YEAR}-12-31"}, "start", "Dieses Feld ist zwingend erforderlich."),
    ],
)
def test_period_errors_are_german_and_field_level(client_for, world, home_coordinator, query, field, message):
    client = client_for(home_coordinator)
    response = _get(client, "evidence_report", world, query)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert response.context["report"] is None
    assert message in unescape(response.content.decode())
    assert "Als PDF" not in response.content.decode()
    # The field points screen readers at its error, and the error carries that id.
    assert f'aria-describedby="id_{field}_error"' in response.content.decode()
    assert f'id="id_{field}_error"' in response.content.decode()
    # The downloads answer a bad period with the page and its errors, never a file or a server error.
    for name in ("evidence_pdf", "evidence_csv"):
        download = _get(client, name, world, query)
        assert download.status_code == 200
        assert download["Content-Type"].startswith("text/html")
        assert message in unescape(download.content.decode())


def test_five_years_are_allowed(client_for, world, home_coordinator):
    response = _get(
        client_for(home_coordinator), "evidence_report", world, {"start": f"{YEAR - 4}-01-01", "end": f"{YEAR}-12-31"}
    )
    assert response.context["form"].errors == {}
    assert response.context["report"] is not None


# Who sees the Nachweis -----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.KOORDINATION, Role.LEITUNG])
def test_own_koordination_and_leitung_see_the_nachweis(client_for, world, role):
    user = MembershipFactory(institution=world.home, role=role, user=UserFactory()).user
    client = client_for(user)
    for name in ("evidence_report", "evidence_pdf", "evidence_csv"):
        assert _get(client, name, world).status_code == 200


def test_administration_sees_the_nachweis(client_for, world, admin_user):
    response = _get(client_for(admin_user), "evidence_report", world)
    assert response.status_code == 200
    assert f"2 abgeschlossene Hilfekonferenzen: 12.03.{YEAR}, 20.08.{YEAR}" in _text(response.content.decode())


@pytest.mark.parametrize("role", [Role.MITGLIED, Role.FACHKRAFT])
def test_others_of_the_institution_get_403_with_the_reason(client_for, world, role):
    user = MembershipFactory(institution=world.home, role=role, user=UserFactory()).user
    client = client_for(user)
    for name in ("evidence_report", "evidence_pdf", "evidence_csv"):
        response = _get(client, name, world)
        assert response.status_code == 403
        assert NOT_ALLOWED in unescape(response.content.decode())


def test_a_partners_koordination_gets_403_with_the_reason(client_for, world):
    partner_coordination = world.parties[world.youth.pk].koordination
    client = client_for(partner_coordination)
    for name in ("evidence_report", "evidence_pdf", "evidence_csv"):
        response = _get(client, name, world)
        assert response.status_code == 403
        assert NOT_ALLOWED in unescape(response.content.decode())
    # Its own Nachweis it does see.
    assert client.get(reverse("evidence_report", args=[world.youth.pk]), PERIOD).status_code == 200


def test_anonymous_is_sent_to_login(client, world):
    response = _get(client, "evidence_pdf", world)
    assert response.status_code == 302
    assert "/konto/anmelden/" in response["Location"]


def test_institution_page_links_the_nachweis_only_for_those_allowed(client_for, world, home_coordinator):
    url = reverse("evidence_report", args=[world.home.pk])
    detail = reverse("institution_detail", args=[world.home.pk])
    assert url in client_for(home_coordinator).get(detail).content.decode()
    member = MembershipFactory(institution=world.home, role=Role.MITGLIED, user=UserFactory()).user
    assert url not in client_for(member).get(detail).content.decode()


def test_pdf_filename(client_for, world, home_coordinator):
    response = _get(client_for(home_coordinator), "evidence_pdf", world)
    assert f"Nachweis-{world.home.pk}-{YEAR}0101-{YEAR}1231.pdf" in response["Content-Disposition"]


def test_agreements_not_released_for_signing_show_no_signature_count(client_for, world, home_coordinator):
    in_work = create_agreement(
        home_coordinator,
        title="Vereinbarung in Arbeit",
        preamble="",
        coordinating_institution=world.home,
        institutions=[world.youth],
    )
    Agreement.objects.filter(pk=in_work.pk).update(status=Status.IN_ERARBEITUNG)
    client = client_for(home_coordinator)
    rows = list(csv.reader(io.StringIO(_get(client, "evidence_csv", world).content.decode()), delimiter=";"))
    row = next(r for r in rows if r[2].startswith("Vereinbarung in Arbeit"))
    assert row[3] == "In Erarbeitung; noch nicht zur Unterzeichnung freigegeben"
    page = _text(_get(client, "evidence_report", world).content.decode())
    assert "Vereinbarung in Arbeit" in page
    assert "0 von 2 Partnern" not in page
    assert "– noch nicht zur Unterzeichnung freigegeben" in page


def test_not_assessed_has_its_english_translation():
    """The criteria badge's „nicht eingeschätzt“ is in the English catalogue with a translation."""
    from django.conf import settings

    catalogue = (settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    match = re.search(r'^msgid "nicht eingeschätzt"\nmsgstr "([^"]*)"$', catalogue, re.MULTILINE)
    assert match, "msgid missing"
    assert match.group(1).strip()
