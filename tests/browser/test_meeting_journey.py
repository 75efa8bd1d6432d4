"""Journey: the Koordination plans a Sitzung of an Untergruppe, invites it (mail with calendar file),
records and finalises the minutes (the invited are told; another partner does not see them); then the
quality dialogue gets its Sitzung, whose agreed measure shows up in the owner's Meine Aufgaben."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agreements.models import Agreement, Status, Subgroup
from agreements.services.agreement import create_agreement
from conferences.models import Meeting
from kooperation.network.models import Role
from kooperation.ops.models import OutgoingMail
from tests import quality_data as qd
from tests.browser.test_quality_journey import load_defaults
from tests.factories import ArbeitsfeldFactory, InstitutionFactory

pytestmark = pytest.mark.browser

TITLE = "Kooperation rund um die Geburt"
TODAY = timezone.localdate()


@pytest.fixture
def people(transactional_db):
    load_defaults()
    home = InstitutionFactory(
        name="Jugendamt Lindenbrück", short_name="JA", arbeitsfeld=ArbeitsfeldFactory(name="Jugendhilfe")
    )
    partner = InstitutionFactory(
        name="Suchtberatung Lindenbrück", short_name="SB", arbeitsfeld=ArbeitsfeldFactory(name="Drogenhilfe")
    )
    coordinator = qd.person(home, Role.KOORDINATION, first_name="Kora", last_name="Koordination")
    agreement = create_agreement(
        coordinator, title=TITLE, preamble="", coordinating_institution=home, institutions=[partner]
    )
    Agreement.objects.filter(pk=agreement.pk).update(status=Status.IN_KRAFT)
    mia = qd.person(home, first_name="Mia", last_name="Mitglied")
    subgroup = Subgroup.objects.create(agreement=agreement, name="Untergruppe Jugendamt", institution=home)
    subgroup.members.add(mia)
    return {
        "home": home,
        "partner": partner,
        "agreement": agreement,
        "coordinator": coordinator,
        "mia": mia,
        "greta": qd.representative(agreement, partner, first_name="Greta", last_name="Gremium"),
        "paula": qd.person(partner, Role.KOORDINATION, first_name="Paula", last_name="Partner"),
    }


def _heading(page, text) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def _plan(page, check_axe, *, body: str, choice: tuple[str, str] | None, title: str) -> None:
    page.get_by_role("combobox", name=re.compile(r"^Gremium")).select_option(label=body)
    if choice:
        page.get_by_label(choice[0], exact=True).select_option(label=choice[1])
    page.get_by_label("Anlass").fill(title)
    page.get_by_label("Datum").fill((TODAY + timedelta(days=7)).isoformat())
    page.get_by_label("Beginn").fill("14:00")
    page.get_by_label("Ort").fill("Rathaus Lindenbrück")
    page.get_by_role("button", name="Anlegen").click()
    expect(page.get_by_role("status")).to_contain_text("Die Sitzung wurde angelegt.")
    _heading(page, "Protokoll bearbeiten")
    check_axe(page)


def test_subgroup_meeting_invited_and_finalised(new_page, login, check_axe, people):
    page = new_page()
    login(page, people["coordinator"])
    page.goto(reverse("meeting_list"))
    page.get_by_role("link", name="Sitzung anlegen").click()
    page.wait_for_url(f"**{reverse('meeting_create')}")
    check_axe(page)
    # An Untergruppe without choosing which one is refused at the field, in German.
    page.get_by_role("combobox", name=re.compile(r"^Gremium")).select_option(label="Untergruppe")
    page.get_by_label("Datum").fill((TODAY + timedelta(days=7)).isoformat())
    page.get_by_label("Beginn").fill("14:00")
    page.get_by_label("Ort").fill("Rathaus Lindenbrück")
    page.get_by_role("button", name="Anlegen").click()
    expect(page.get_by_text("Bitte die Untergruppe wählen.")).to_be_visible()
    check_axe(page)
    _plan(
        page,
        check_axe,
        body="Untergruppe",
        choice=("Untergruppe", "Untergruppe Jugendamt"),
        title="Leitfragen Datenschutz",
    )
    meeting = Meeting.objects.get(subgroup__name="Untergruppe Jugendamt")

    # The invitation with the calendar file goes to the subgroup and the Protokollführung.
    page.goto(reverse("meeting_detail", args=[meeting.pk]))
    _heading(page, f"Untergruppe Jugendamt am {meeting.date:%d.%m.%Y}")
    page.get_by_role("button", name="Einladung senden").click()
    expect(page.get_by_role("status")).to_contain_text("Die Einladung mit Kalenderdatei ging an 2 Personen.")
    expect(page.get_by_text(re.compile("Zuletzt eingeladen am"))).to_contain_text("Mia Mitglied")
    expect(page.get_by_text(re.compile("Die Sitzung findet erst am"))).to_be_visible()
    check_axe(page)
    invitation = OutgoingMail.objects.get(recipient=people["mia"].email, subject="Einladung zu einer Sitzung")
    assert invitation.attachments[0]["mimetype"] == "text/calendar"

    # The day has come (moved here instead of waiting a week): the minutes, who was there, what was discussed.
    Meeting.objects.filter(pk=meeting.pk).update(date=TODAY)
    page.goto(reverse("meeting_edit", args=[meeting.pk]))
    person = page.get_by_role("group", name="Weitere Person")
    person.get_by_label("Institution").select_option(label="Jugendamt Lindenbrück")
    person.get_by_label("Name").fill("Mia Mitglied")
    top = page.get_by_role("group", name="Weiterer Tagesordnungspunkt")
    top.get_by_label("Tagesordnungspunkt").fill("Worüber informieren wir uns gegenseitig?")
    top.get_by_label("Beschlüsse").fill("Vorschlag an das Gremium.")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Das Sitzungsprotokoll wurde gespeichert.")
    _heading(page, f"Untergruppe Jugendamt am {TODAY:%d.%m.%Y}")
    check_axe(page)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Protokoll abschließen").click()
    expect(page.get_by_role("status")).to_contain_text("Das Sitzungsprotokoll ist abgeschlossen.")
    check_axe(page)
    assert OutgoingMail.objects.filter(
        recipient=people["mia"].email, subject="Sitzungsprotokoll abgeschlossen"
    ).exists()

    # The subgroup and the Gremium read the minutes; another partner's Koordination does not find them.
    for reader, expected in (("mia", 200), ("greta", 200), ("paula", 404)):
        other = new_page()
        login(other, people[reader])
        response = other.goto(reverse("meeting_detail", args=[meeting.pk]))
        assert response.status == expected, reader
        if expected == 200:
            expect(other.get_by_text("Vorschlag an das Gremium.")).to_be_visible()
            check_axe(other)


def test_quality_dialogue_meeting_measure_in_meine_aufgaben(new_page, login, check_axe, people):
    dialogue = qd.open_dialogue(people["coordinator"], people["agreement"], TODAY.year)
    page = new_page()
    login(page, people["coordinator"])
    page.goto(reverse("quality_dialogue", args=[dialogue.pk]))
    expect(page.get_by_text("Für diesen Qualitätsdialog ist noch keine Sitzung angelegt.")).to_be_visible()
    page.get_by_role("link", name="Sitzung zum Qualitätsdialog anlegen").click()
    expect(page.get_by_label("Qualitätsdialog", exact=True)).to_have_value(str(dialogue.pk))
    check_axe(page)
    _plan(page, check_axe, body="Qualitätsdialog", choice=None, title="Auswertung der Selbsteinschätzungen")

    task = page.get_by_role("group", name="Weitere Aufgabe")
    task.get_by_label("Was").fill("Rückmeldebogen entwerfen")
    task.get_by_label("Wer – Institution").select_option(label="Jugendamt Lindenbrück")
    task.get_by_label("Bis wann").fill((TODAY + timedelta(days=21)).isoformat())
    page.get_by_role("button", name="Speichern", exact=True).click()
    # A measure without an owner is refused.
    expect(page.get_by_text("Eine vereinbarte Maßnahme braucht eine verantwortliche Person.")).to_be_visible()
    check_axe(page)
    page.get_by_role("group", name="Weitere Aufgabe").get_by_label("Wer – Person").select_option(label="Mia Mitglied")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Das Sitzungsprotokoll wurde gespeichert.")

    # The dialogue page shows its Sitzung with the measure, owner and due date.
    page.goto(reverse("quality_dialogue", args=[dialogue.pk]))
    panel = page.get_by_role("region", name="Sitzung und vereinbarte Maßnahmen")
    expect(panel).to_contain_text("Rückmeldebogen entwerfen – verantwortlich: Mia Mitglied")
    check_axe(page)

    # The owner finds it in Meine Aufgaben.
    owner = new_page()
    login(owner, people["mia"])
    owner.get_by_role("link", name="Meine Aufgaben").click()
    expect(owner.get_by_text("Rückmeldebogen entwerfen")).to_be_visible()
    check_axe(owner)
