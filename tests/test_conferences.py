"""Cases, consents, Hilfekonferenzen: the rules of seed 000/002 and German field errors for every bad input."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements.models import Agreement, Status
from agreements.services.agreement import copy_revision, create_agreement
from conferences import access
from conferences.models import Case, Conference, FamilyRole, InformationKind, Rating, Task, TaskStatus
from conferences.queries.protocols import PROTOCOL_ROWS, finalise_check
from conferences.services.cases import create_case, revoke_consent, set_case_institutions
from conferences.services.conferences import finalise_conference
from kooperation.core.concurrency import ConflictError
from kooperation.core.errors import DomainError
from kooperation.network.models import Role
from tests.conference_fixtures import MINIMAL_PDF, document, give_consent, open_case, plan, today
from tests.factories import InstitutionFactory, MembershipFactory, form_data, formset_data

pytestmark = pytest.mark.django_db


def _page(response) -> str:
    return response.content.decode()


def _errors(response, form_name: str = "form") -> dict:
    return response.context[form_name].errors


# --- cases ---------------------------------------------------------------------------------------


def test_case_code_is_pseudonymous_and_counts_up_per_year(agreement, coordinator, institution):
    first = create_case(coordinator, agreement=agreement, owner_institution=institution)
    second = create_case(coordinator, agreement=agreement, owner_institution=institution)
    year = today().year
    assert first.code == f"F-{year}-0001"
    assert second.code == f"F-{year}-0002"
    assert re.fullmatch(r"F-\d{4}-\d{4}", first.code)


def _in_force(agreement):
    Agreement.objects.filter(pk=agreement.pk).update(status=Status.IN_KRAFT)
    agreement.refresh_from_db()
    return agreement


def test_the_case_form_offers_each_agreement_in_force_once(
    client_for, caseworker, agreement, institution, partner_institution, coordinator
):
    in_force = _in_force(agreement)
    amendment = copy_revision(in_force, coordinator)  # revision 001 in work: same title, not to choose
    draft = create_agreement(
        coordinator, title="Entwurf", preamble="", coordinating_institution=institution, institutions=[]
    )
    response = client_for(caseworker).get(reverse("case_create"))
    choices = [value for value, _label in response.context["form"].fields["agreement"].choices if value]
    assert [choice.value for choice in choices] == [in_force.pk]
    refused = client_for(caseworker).post(
        reverse("case_create"), {"agreement": draft.pk, "owner_institution": institution.pk}
    )
    assert _errors(refused)["agreement"] == ["Bitte eine Vereinbarung Ihrer Institution wählen, die in Kraft ist."]
    assert amendment.status == Status.IN_ERARBEITUNG
    assert not Case.objects.exists()


def test_opening_a_case_makes_the_owner_take_part(client_for, caseworker, agreement, institution):
    _in_force(agreement)
    response = client_for(caseworker).post(
        reverse("case_create"), {"agreement": agreement.pk, "owner_institution": institution.pk, "note": ""}
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert list(case.institutions.all()) == [institution]
    assert case.created_by == caseworker


def test_a_member_cannot_open_a_case(client_for, member):
    response = client_for(member).get(reverse("case_create"))
    assert response.status_code == 403
    assert "Fälle legen Fachkräfte und die Koordination" in _page(response)


def test_case_needs_an_agreement_of_the_own_institution(client_for, caseworker, institution):
    foreign = InstitutionFactory()
    stranger = MembershipFactory(institution=foreign, role=Role.KOORDINATION).user
    foreign_agreement = create_agreement(
        stranger, title="Fremd", preamble="", coordinating_institution=foreign, institutions=[]
    )
    response = client_for(caseworker).post(
        reverse("case_create"), {"agreement": foreign_agreement.pk, "owner_institution": institution.pk}
    )
    assert response.status_code == 200
    assert _errors(response)["agreement"] == ["Bitte eine Vereinbarung Ihrer Institution wählen, die in Kraft ist."]


def test_no_case_under_an_ended_agreement(agreement, coordinator, institution):
    agreement.status = "beendet"
    agreement.save(update_fields=["status"])
    with pytest.raises(DomainError, match="beendeten Vereinbarung"):
        create_case(coordinator, agreement=agreement, owner_institution=institution)


# --- consent -------------------------------------------------------------------------------------


def _consent_post(case, **overrides):
    data = {
        "given_by": FamilyRole.MUTTER,
        "given_on": (today() - timedelta(days=2)).isoformat(),
        "valid_until": (today() + timedelta(days=180)).isoformat(),
        "institutions": [case.owner_institution_id],
        "information": [InformationKind.HILFEKONFERENZ],
        "scope_note": "",
    }
    data.update(overrides)
    return data


def test_consent_is_recorded_with_scope_and_scan(client_for, coordinator, case_without_consent, media_root):
    case = case_without_consent
    scan = SimpleUploadedFile("Name der Mutter.pdf", MINIMAL_PDF, content_type="application/pdf")
    response = client_for(coordinator).post(
        reverse("consent_create", args=[case.pk]), {**_consent_post(case), "document": scan}
    )
    assert response.status_code == 302
    consent = case.consents.get()
    assert consent.is_valid
    assert consent.recorded_by == coordinator
    assert list(consent.institutions.all()) == [case.owner_institution]
    assert consent.information == [InformationKind.HILFEKONFERENZ]
    # The stored file name never carries the uploaded name (it may name the client).
    assert "Mutter" not in consent.document.name
    download = client_for(coordinator).get(reverse("consent_document", args=[consent.pk]))
    assert b"".join(download.streaming_content) == MINIMAL_PDF
    assert case.code in download["Content-Disposition"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"given_on": (today() + timedelta(days=1)).isoformat()},
            "given_on",
            "Das Datum der Erklärung kann nicht in der Zukunft liegen.",
        ),
        (
            {
                "given_on": (today() - timedelta(days=10)).isoformat(),
                "valid_until": (today() - timedelta(days=20)).isoformat(),
            },
            "valid_until",
            "Diese Einwilligung wäre schon abgelaufen; bitte das Ende der Gültigkeit prüfen.",
        ),
        ({"institutions": []}, "institutions", "Bitte mindestens eine Institution wählen."),
        ({"information": []}, "information", "Bitte mindestens eine Art von Information wählen."),
        ({"given_by": ""}, "given_by", "Dieses Feld ist zwingend erforderlich."),
        ({"valid_until": "morgen"}, "valid_until", "Bitte ein gültiges Datum eingeben."),
    ],
)
def test_consent_form_answers_bad_input_in_german(
    client_for, coordinator, case_without_consent, overrides, field, message
):
    case = case_without_consent
    response = client_for(coordinator).post(reverse("consent_create", args=[case.pk]), _consent_post(case, **overrides))
    assert response.status_code == 200
    assert message in _errors(response)[field]
    assert not case.consents.exists()


def test_consent_cannot_cover_an_institution_outside_the_agreement(client_for, coordinator, case_without_consent):
    stranger = InstitutionFactory()
    case = case_without_consent
    response = client_for(coordinator).post(
        reverse("consent_create", args=[case.pk]), _consent_post(case, institutions=[stranger.pk])
    )
    assert _errors(response)["institutions"] == ["Bitte nur Partner der Vereinbarung dieses Falls wählen."]


def test_a_scan_must_be_pdf_or_image(client_for, coordinator, case_without_consent, media_root):
    case = case_without_consent
    fake = SimpleUploadedFile("scan.pdf", b"<html>nein</html>", content_type="application/pdf")
    response = client_for(coordinator).post(
        reverse("consent_create", args=[case.pk]), {**_consent_post(case), "document": fake}
    )
    assert _errors(response)["document"] == ["Bitte eine PDF-, JPEG- oder PNG-Datei hochladen."]


def test_an_institution_joins_only_when_a_consent_covers_it(
    client_for, coordinator, case_without_consent, institution, partner_institution
):
    case = case_without_consent
    give_consent(case, coordinator, [institution])
    url = reverse("case_institutions", args=[case.pk])
    data = {"version": case.version, "institutions": [institution.pk, partner_institution.pk]}
    response = client_for(coordinator).post(url, data)
    assert response.status_code == 200
    assert _errors(response)["institutions"] == [
        "Für „Klinikum Teststadt“ liegt keine gültige Einwilligung vor. Eine Institution kann erst beteiligt "
        "werden, wenn eine Einwilligung der Familie sie umfasst."
    ]
    give_consent(case, coordinator, [institution, partner_institution])
    response = client_for(coordinator).post(url, data)
    assert response.status_code == 302
    assert set(case.institutions.all()) == {institution, partner_institution}


def test_the_owner_institution_always_takes_part(client_for, coordinator, help_case, partner_institution):
    response = client_for(coordinator).post(
        reverse("case_institutions", args=[help_case.pk]),
        {"version": help_case.version, "institutions": [partner_institution.pk]},
    )
    assert _errors(response)["institutions"] == [
        "Die fallführende Institution „Jugendamt Teststadt“ bleibt immer beteiligt."
    ]


def test_a_stale_institution_choice_is_a_conflict(coordinator, help_case, institution):
    stale = help_case.version
    set_case_institutions(coordinator, help_case, [institution], stale)
    with pytest.raises(ConflictError):
        set_case_institutions(coordinator, Case.objects.get(pk=help_case.pk), [institution], stale)


def test_an_institution_with_open_tasks_stays_in_the_case(coordinator, conference, institution, partner_institution):
    document(conference, coordinator, tasks=1, institution=partner_institution)
    case = Case.objects.get(pk=conference.case_id)
    with pytest.raises(DomainError, match="hat noch offene Aufgaben"):
        set_case_institutions(coordinator, case, [institution], case.version)


def test_revoking_needs_a_date_neither_future_nor_before_the_consent(client_for, coordinator, consent):
    url = reverse("consent_revoke", args=[consent.pk])
    future = client_for(coordinator).post(url, {"revoked_on": (today() + timedelta(days=1)).isoformat()})
    assert _errors(future)["revoked_on"] == ["Der Widerruf kann nicht in der Zukunft liegen."]
    early = client_for(coordinator).post(url, {"revoked_on": (consent.given_on - timedelta(days=1)).isoformat()})
    assert _errors(early)["revoked_on"] == ["Der Widerruf kann nicht vor der Erklärung liegen."]
    done = client_for(coordinator).post(url, {"revoked_on": today().isoformat()})
    assert done.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_on == today()
    assert consent.revocation_recorded_by == coordinator
    with pytest.raises(DomainError, match="bereits am"):
        revoke_consent(coordinator, consent, today())


# --- planning --------------------------------------------------------------------------------------


def test_without_consent_no_conference_and_the_page_says_why(client_for, coordinator, case_without_consent):
    client = client_for(coordinator)
    page = _page(client.get(reverse("case_detail", args=[case_without_consent.pk])))
    assert "Keine neue Hilfekonferenz möglich:" in page
    assert "Es liegt keine gültige Einwilligung vor." in page
    response = client.get(reverse("conference_create", args=[case_without_consent.pk]))
    assert response.status_code == 403
    assert "Es liegt keine gültige Einwilligung vor." in _page(response)


def test_planning_copies_every_basiskriterium_and_invites_by_link_only(
    client_for, coordinator, help_case, partner_worker, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).post(
            reverse("conference_create", args=[help_case.pk]),
            {
                "date": (today() + timedelta(days=7)).isoformat(),
                "start_time": "10:00",
                "end_time": "11:30",
                "place": "Jugendamt, Raum 3",
                "moderator": coordinator.pk,
                "invited": [coordinator.pk, partner_worker.pk],
                "invited_family": [FamilyRole.MUTTER, FamilyRole.VATER],
            },
        )
    conference = Conference.objects.get()
    assert response.status_code == 302
    assert [c.text for c in conference.checks.all()] == [c.text for c in help_case.agreement.criteria.all()]
    assert len(conference.checks.all()) == 6
    assert {p.user for p in conference.staff.all()} == {coordinator, partner_worker}
    assert [f.role for f in conference.family.all()] == [FamilyRole.MUTTER, FamilyRole.VATER]
    assert sorted(m.to[0] for m in mailoutbox) == sorted([coordinator.email, partner_worker.email])
    for mail in mailoutbox:
        assert conference.get_absolute_url() in mail.body
        assert help_case.code not in mail.body + mail.subject
        assert "Raum 3" not in mail.body


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end_time": "09:00"}, "end_time", "Das Ende muss nach dem Beginn liegen."),
        ({"place": ""}, "place", "Dieses Feld ist zwingend erforderlich."),
        ({"date": "31.02.2027"}, "date", "Bitte ein gültiges Datum eingeben."),
    ],
)
def test_plan_form_answers_bad_input_in_german(client_for, coordinator, help_case, overrides, field, message):
    data = {"date": today().isoformat(), "start_time": "10:00", "end_time": "11:00", "place": "Raum 1", **overrides}
    response = client_for(coordinator).post(reverse("conference_create", args=[help_case.pk]), data)
    assert message in _errors(response)[field]


def test_the_plan_lists_people_with_institution_and_role(
    client_for, coordinator, leader_user, help_case, partner_worker, institution, partner_institution
):
    MembershipFactory(institution=institution, role=Role.MITGLIED, user=coordinator)
    form = client_for(coordinator).get(reverse("conference_create", args=[help_case.pk])).context["form"]
    labels = {label for value, label in form.fields["invited"].choices}
    assert f"{coordinator} – {institution.name} (Koordination, Mitglied)" in labels
    assert f"{leader_user} – {institution.name} (Leitung)" in labels
    assert f"{partner_worker} – {partner_institution.name} (Fachkraft)" in labels
    assert labels == {label for value, label in form.fields["moderator"].choices if value}
    assert form.fields["invited"].label == "Eingeladene Personen der beteiligten Institutionen"


def test_only_staff_of_participating_institutions_can_be_invited(client_for, coordinator, help_case, outsider):
    data = {
        "date": today().isoformat(),
        "start_time": "10:00",
        "place": "Raum 1",
        "moderator": outsider.pk,
        "invited": [outsider.pk],
    }
    response = client_for(coordinator).post(reverse("conference_create", args=[help_case.pk]), data)
    errors = _errors(response)
    assert errors["moderator"] == ["Die Moderation übernimmt eine Person einer beteiligten Institution."]
    assert errors["invited"] == ["Eingeladen werden können nur Personen der beteiligten Institutionen."]


# --- documenting -------------------------------------------------------------------------------------


def _protocol_data(client, conference) -> dict:
    response = client.get(reverse("conference_protocol", args=[conference.pk]))
    data = form_data(response.context["editor"].form)
    for name in ("teilnehmende", "familie", "kriterien", "aufgaben"):
        data.update(formset_data(response.context[name]))
    return data


def test_protocol_form_has_a_table_of_contents_and_a_sticky_save_bar(client_for, coordinator, conference):
    page = client_for(coordinator).get(reverse("conference_protocol", args=[conference.pk])).content.decode()
    toc = page[page.index('class="page-toc') : page.index("</nav>", page.index('class="page-toc'))]
    targets = re.findall(r'href="#([^"]+)"', toc)
    assert targets == [
        "titel-teilnehmende",
        "titel-familie",
        "titel-analyse",
        "titel-kriterien",
        "titel-aufgaben",
        "titel-termin",
    ]
    for target in targets:  # every entry leads to a heading on the page
        assert f'id="{target}"' in page, target
    bar = page[page.index('class="action-bar-sticky') :]
    assert bar.index('name="weiter"') < bar.index("</form>")


def test_documenting_with_criteria_and_three_tasks(
    client_for, coordinator, conference, partner_institution, partner_worker
):
    client = client_for(coordinator)
    data = _protocol_data(client, conference)
    data.update(
        {
            "situation": "Die Mutter versorgt das Kind verlässlich.",
            "needs_parents": "Begleitung der Substitution.",
            "needs_child": "Krippenplatz.",
            "next_date": (conference.date + timedelta(days=90)).isoformat(),
            "familie-0-role": FamilyRole.MUTTER,
        }
    )
    for i in range(6):
        data[f"kriterien-{i}-rating"] = Rating.TEILWEISE if i == 1 else Rating.ERFUELLT
    data["kriterien-1-note"] = "Antrag auf Leistungen läuft."
    tasks = [
        ("Krippenplatz beantragen", conference.case.owner_institution_id, coordinator.pk),
        ("Kinderarzttermin U6", partner_institution.pk, partner_worker.pk),
        ("Budgetberatung anbieten", partner_institution.pk, ""),
    ]
    data["aufgaben-TOTAL_FORMS"] = str(len(tasks))
    for i, (what, institution, person) in enumerate(tasks):
        data.update(
            {
                f"aufgaben-{i}-what": what,
                f"aufgaben-{i}-responsible_institution": institution,
                f"aufgaben-{i}-responsible_user": person,
                f"aufgaben-{i}-due_on": (today() + timedelta(days=14 + i)).isoformat(),
                f"aufgaben-{i}-how": "im Gespräch",
                f"aufgaben-{i}-with_whom": "mit der Mutter",
                f"aufgaben-{i}-status": TaskStatus.OFFEN,
            }
        )
    response = client.post(reverse("conference_protocol", args=[conference.pk]), data)
    assert response.status_code == 302, response.context and [f.errors for f in response.context["aufgaben"]]
    conference.refresh_from_db()
    assert conference.situation == "Die Mutter versorgt das Kind verlässlich."
    assert [c.rating for c in conference.checks.all()] == [Rating.ERFUELLT, Rating.TEILWEISE, *[Rating.ERFUELLT] * 4]
    saved = list(Task.objects.filter(conference=conference).order_by("position"))
    assert [t.what for t in saved] == [t[0] for t in tasks]
    assert all(t.case_id == conference.case_id for t in saved)
    assert finalise_check(coordinator, _reload(conference)).allowed


def _reload(conference):
    from django.db.models import prefetch_related_objects

    fresh = Conference.objects.select_related("case__agreement").get(pk=conference.pk)
    prefetch_related_objects([fresh], *PROTOCOL_ROWS)
    access.with_case_access(fresh.case)
    return fresh


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (
            {"due_on": (today() - timedelta(days=1)).isoformat()},
            "due_on",
            "Das Datum „bis wann“ darf nicht in der Vergangenheit liegen.",
        ),
        ({"responsible_institution": ""}, "responsible_institution", "Bitte die verantwortliche Institution angeben."),
        ({"what": ""}, "what", "Bitte beschreiben, was zu tun ist."),
        ({"due_on": ""}, "due_on", "Bitte angeben, bis wann die Aufgabe erledigt ist."),
    ],
)
def test_task_rows_answer_bad_input_in_german(client_for, coordinator, conference, institution, row, field, message):
    client = client_for(coordinator)
    data = _protocol_data(client, conference)
    values = {
        "what": "Termin vereinbaren",
        "responsible_institution": institution.pk,
        "due_on": (today() + timedelta(days=3)).isoformat(),
        "status": TaskStatus.OFFEN,
        **row,
    }
    data.update({f"aufgaben-0-{key}": value for key, value in values.items()})
    response = client.post(reverse("conference_protocol", args=[conference.pk]), data)
    assert response.status_code == 200
    assert message in response.context["aufgaben"].forms[0].errors[field]
    assert not Task.objects.exists()


def test_a_task_for_a_non_participating_institution_is_refused(client_for, coordinator, conference, outsider):
    client = client_for(coordinator)
    data = _protocol_data(client, conference)
    foreign = outsider.memberships.get().institution
    data.update(
        {
            "aufgaben-0-what": "Etwas tun",
            "aufgaben-0-responsible_institution": foreign.pk,
            "aufgaben-0-due_on": (today() + timedelta(days=3)).isoformat(),
            "aufgaben-0-status": TaskStatus.OFFEN,
        }
    )
    response = client.post(reverse("conference_protocol", args=[conference.pk]), data)
    assert response.context["aufgaben"].forms[0].errors["responsible_institution"] == [
        "Diese Institution ist an dem Fall nicht beteiligt. Bitte eine beteiligte wählen."
    ]


def test_a_participant_from_a_non_participating_institution_is_refused(client_for, coordinator, conference, outsider):
    client = client_for(coordinator)
    data = _protocol_data(client, conference)
    index = int(data["teilnehmende-TOTAL_FORMS"]) - 1  # the empty row
    data[f"teilnehmende-{index}-institution"] = outsider.memberships.get().institution_id
    data[f"teilnehmende-{index}-name"] = "Otto Außen"
    response = client.post(reverse("conference_protocol", args=[conference.pk]), data)
    assert response.context["teilnehmende"].forms[index].errors["institution"] == [
        "Diese Institution ist an dem Fall nicht beteiligt. Teilnehmen können nur Fachkräfte beteiligter Institutionen."
    ]


def test_a_participant_needs_a_person_of_that_institution(
    client_for, coordinator, conference, partner_institution, partner_worker
):
    client = client_for(coordinator)
    data = _protocol_data(client, conference)
    index = int(data["teilnehmende-TOTAL_FORMS"]) - 1
    data[f"teilnehmende-{index}-institution"] = partner_institution.pk
    response = client.post(reverse("conference_protocol", args=[conference.pk]), data)
    assert response.context["teilnehmende"].forms[index].errors["name"] == [
        "Bitte eine Person mit Konto wählen oder den Namen eintragen."
    ]
    data[f"teilnehmende-{index}-user"] = coordinator.pk
    response = client.post(reverse("conference_protocol", args=[conference.pk]), data)
    assert response.context["teilnehmende"].forms[index].errors["user"] == [
        f"{coordinator} gehört nicht zu „Klinikum Teststadt“."
    ]


def test_next_date_must_follow_the_conference(client_for, coordinator, conference):
    client = client_for(coordinator)
    data = _protocol_data(client, conference)
    data["next_date"] = conference.date.isoformat()
    response = client.post(reverse("conference_protocol", args=[conference.pk]), data)
    assert response.context["editor"].form.errors["next_date"] == [
        "Der nächste Termin muss nach dieser Hilfekonferenz liegen."
    ]


def test_concurrent_protocol_edits_do_not_overwrite_each_other(client_for, coordinator, conference):
    client = client_for(coordinator)
    first = _protocol_data(client, conference)
    second = dict(first)
    first["situation"] = "Fassung A"
    second["situation"] = "Fassung B"
    assert client.post(reverse("conference_protocol", args=[conference.pk]), first).status_code == 302
    response = client.post(reverse("conference_protocol", args=[conference.pk]), second)
    assert response.status_code == 200
    assert "Diese Angaben wurden gespeichert, während Sie sie bearbeitet haben." in _page(response)
    assert "Fassung A" in _page(response)
    conference.refresh_from_db()
    assert conference.situation == "Fassung A"


def test_stale_plan_shows_both_versions_and_keeps_the_input(client_for, coordinator, conference):
    client = client_for(coordinator)
    url = reverse("conference_plan", args=[conference.pk])
    first = form_data(client.get(url).context["form"])
    second = dict(first)
    first["place"] = "Jugendamt, Raum 1"
    second["place"] = "Klinikum, Raum 2"
    assert client.post(url, first).status_code == 302
    response = client.post(url, second)
    assert response.status_code == 200
    assert "Diese Angaben wurden gespeichert, während Sie sie bearbeitet haben." in _page(response)
    assert "Jugendamt, Raum 1" in _page(response)
    assert "Klinikum, Raum 2" in _page(response)
    conference.refresh_from_db()
    assert conference.place == "Jugendamt, Raum 1"


# --- finalising --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["teilnehmende", "familie"])
def test_a_new_row_has_as_many_cells_as_the_table_has_columns(client_for, coordinator, conference, kind):
    client = client_for(coordinator)
    page = _page(client.get(reverse("conference_protocol", args=[conference.pk])))
    table = page[page.index(f'id="titel-{kind}"') :]
    header = table[table.index("<thead>") : table.index("</thead>")]
    assert "Löschen" in header  # saved rows can be deleted
    row = _page(
        client.get(
            reverse("conference_row", args=[conference.pk, kind]),
            {f"{kind}-TOTAL_FORMS": "1"},
            headers={"HX-Request": "true"},
        )
    )
    first_row = row[: row.index("</tr>")]
    assert len(re.findall(r"<td[ >]", first_row)) == len(re.findall(r"<th[ >]", header))


def test_finalising_lists_what_is_missing(client_for, coordinator, conference):
    response = client_for(coordinator).get(reverse("conference_detail", args=[conference.pk]))
    reason = response.context["can_finalise"].reason
    assert "Das Feld „Situationsanalyse“ ist noch leer." in reason
    assert "Noch nicht geprüfte Basiskriterien: 1, 2, 3, 4, 5, 6." in reason
    follow = client_for(coordinator).post(reverse("conference_finalise", args=[conference.pk]), follow=True)
    assert "Das Feld „Situationsanalyse“ ist noch leer." in _page(follow)
    conference.refresh_from_db()
    assert not conference.is_final


def test_a_future_conference_cannot_be_finalised(coordinator, help_case):
    conference = document(plan(help_case, coordinator, date=today() + timedelta(days=3)), coordinator)
    with pytest.raises(DomainError, match="findet erst am"):
        finalise_conference(coordinator, conference)


def test_a_planned_conference_lists_invitees_not_attendance(client_for, coordinator, help_case):
    planned = plan(help_case, coordinator, date=today() + timedelta(days=3))
    page = _page(client_for(coordinator).get(planned.get_absolute_url()))
    section = page[page.index('id="planung"') : page.index("</section>", page.index('id="planung"'))]
    assert "nahm teil" not in section
    assert "nahm nicht teil" not in section
    assert section.count("eingeladen") == 2  # the Fachkraft and the mother


def test_a_held_conference_lists_who_took_part(client_for, coordinator, conference):
    page = _page(client_for(coordinator).get(conference.get_absolute_url()))
    section = page[page.index('id="planung"') : page.index("</section>", page.index('id="planung"'))]
    assert section.count("nahm teil") == 2


def test_finalised_protocol_is_read_only_and_participants_get_a_link(
    client_for, coordinator, conference, mailoutbox, django_capture_on_commit_callbacks
):
    document(conference, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).post(reverse("conference_finalise", args=[conference.pk]))
    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.is_final
    assert conference.finalised_by == coordinator
    # The protocol's link, then the invitation to the „nächster Termin“ the protocol set.
    assert [(m.subject, m.to) for m in mailoutbox] == [
        ("Ergebnisprotokoll einer Hilfekonferenz", [coordinator.email]),
        ("Einladung zu einer Hilfekonferenz", [coordinator.email]),
    ]
    mail = mailoutbox[0]
    assert conference.get_absolute_url() in mail.body
    for secret in (conference.case.code, conference.situation, "Termin vereinbaren"):
        assert secret not in mail.body + mail.subject
    denied = client_for(coordinator).get(reverse("conference_protocol", args=[conference.pk]))
    assert denied.status_code == 403
    assert "nur noch durch einen Nachtrag ergänzt werden" in _page(denied)


def test_addenda_are_dated_and_need_text(client_for, coordinator, final_conference):
    url = reverse("conference_addendum", args=[final_conference.pk])
    empty = client_for(coordinator).post(url, {"text": ""})
    assert _errors(empty)["text"] == ["Bitte geben Sie den Text des Nachtrags ein."]
    client_for(coordinator).post(url, {"text": "Korrektur: Der Termin war um 10:30 Uhr."})
    addendum = final_conference.addenda.get()
    assert addendum.created_by == coordinator
    page = _page(client_for(coordinator).get(final_conference.get_absolute_url()))
    assert "Korrektur: Der Termin war um 10:30 Uhr." in page


def test_revocation_keeps_protocols_but_blocks_new_ones(client_for, coordinator, final_conference, consent):
    revoke_consent(coordinator, consent, today())
    client = client_for(coordinator)
    assert client.get(final_conference.get_absolute_url()).status_code == 200
    response = client.get(reverse("conference_create", args=[final_conference.case_id]))
    assert response.status_code == 403
    assert "Es liegt keine gültige Einwilligung vor." in _page(response)


def test_an_open_protocol_is_locked_while_a_consent_is_missing(client_for, coordinator, conference, consent):
    revoke_consent(coordinator, consent, today())
    response = client_for(coordinator).get(reverse("conference_protocol", args=[conference.pk]))
    assert response.status_code == 403
    detail = _page(client_for(coordinator).get(conference.get_absolute_url()))
    assert "Dokumentation gesperrt:" in detail


def test_case_overview_shows_the_criteria_over_time(client_for, coordinator, help_case):
    for days, rating in ((60, Rating.NICHT_ERFUELLT), (30, Rating.TEILWEISE), (1, Rating.ERFUELLT)):
        conference = document(plan(help_case, coordinator, date=today() - timedelta(days=days)), coordinator, tasks=0)
        conference.checks.filter(position=0).update(rating=rating)
    response = client_for(coordinator).get(reverse("case_detail", args=[help_case.pk]))
    columns, trend = response.context["columns"], response.context["trend"]
    assert [c.date for c in columns] == [today() - timedelta(days=d) for d in (60, 30, 1)]
    assert [cell.rating for cell in trend[0].cells] == [Rating.NICHT_ERFUELLT, Rating.TEILWEISE, Rating.ERFUELLT]
    assert len(trend) == 6
    # The cells look as the conference page's badges do (snippets/rating_badge.html), in German.
    assert [badge.strip() for badge in trend[0].badges] == [
        '<span class="badge text-bg-danger">nicht erfüllt</span>',
        '<span class="badge text-bg-warning">teilweise erfüllt</span>',
        '<span class="badge text-bg-success">erfüllt</span>',
    ]


def test_open_case_helper_builds_a_shared_case(agreement, coordinator, institution, partner_institution):
    case = open_case(coordinator, agreement, institution, [partner_institution])
    assert set(case.institutions.all()) == {institution, partner_institution}


def test_the_plan_offers_the_staff_of_the_participating_institutions(
    client_for, coordinator, help_case, partner_worker
):
    response = client_for(coordinator).get(reverse("conference_create", args=[help_case.pk]))
    invited = response.context["form"]["invited"]
    assert {choice.data["label"] for choice in invited} == {
        f"{coordinator} – Jugendamt Teststadt (Koordination)",
        f"{partner_worker} – Klinikum Teststadt (Fachkraft)",
    }
    assert f'value="{partner_worker.pk}"' in str(invited)
