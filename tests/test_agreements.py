"""Agreements: creation, partners, lifecycle, revisions and amendments, history, comparison, list, speed."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from agreements.models import (
    Agreement,
    AnswerStatus,
    CatalogueEntry,
    CatalogueKind,
    ConferenceRules,
    Criterion,
    DataProtection,
    FlowPlan,
    Goal,
    Indicator,
    Partner,
    Reflection,
    Responsibility,
    Status,
    StatusChange,
    TargetGroup,
    Term,
)
from agreements.services import lifecycle
from agreements.services.agreement import copy_revision, create_agreement, set_partners
from kooperation.core.errors import DomainError
from kooperation.network.models import Role
from tests.agreement_data import CONFLICT, REQUIRED, fill_sections, section_data, section_url, two_editors
from tests.factories import (
    ArbeitsfeldFactory,
    InstitutionFactory,
    MembershipFactory,
    UserFactory,
    form_data,
    formset_data,
)
from tests.structure_data import person, start_work

pytestmark = pytest.mark.django_db

NOT_FOR_MEMBERS = "Diesen Schritt geht nur die Koordination einer Partnerinstitution."
TWO_PARTNERS = "Eine Kooperation braucht mindestens zwei Partnerinstitutionen."


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _partner_names(agreement) -> list[str]:
    return list(agreement.partners.order_by("position").values_list("institution__name", flat=True))


@pytest.fixture
def second_coordinator(partner_institution):
    """Koordination of the other partner institution."""
    return MembershipFactory(institution=partner_institution, role=Role.KOORDINATION, user=UserFactory()).user


@pytest.fixture
def no_structure_rules(monkeypatch):
    """Take start_work without its preconditions, to test what every transition records."""
    transition = dataclasses.replace(lifecycle.TRANSITIONS["start_work"], preconditions=())
    monkeypatch.setitem(lifecycle.TRANSITIONS, "start_work", transition)


# --- creation ---------------------------------------------------------------------------------------


def test_koordination_creates_an_agreement_with_partners(
    client_for, coordinator, institution, partner_institution, other_institution
):
    client = client_for(coordinator)
    response = client.post(
        reverse("agreement_create"),
        {
            "title": "Kooperation rund um die Geburt",
            "preamble": "Gemeinsam für Familien mit Suchtproblematik.",
            "coordinating_institution": institution.pk,
            "partners": [other_institution.pk, partner_institution.pk, institution.pk],
        },
    )

    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == agreement.get_absolute_url()
    assert (agreement.title, agreement.preamble) == (
        "Kooperation rund um die Geburt",
        "Gemeinsam für Familien mit Suchtproblematik.",
    )
    assert (agreement.status, agreement.revision, agreement.created_by) == (Status.ENTWURF, 0, coordinator)
    assert agreement.coordinating_institution == institution
    # The coordinating institution is always the first partner, and no institution is a partner twice.
    assert _partner_names(agreement) == ["Jugendamt Teststadt", "Drogenberatung Anderswo", "Klinikum Teststadt"]
    assert DataProtection.objects.filter(agreement=agreement).exists()
    assert ConferenceRules.objects.filter(agreement=agreement).exists()
    assert Term.objects.filter(agreement=agreement).exists()
    detail = client.get(response["Location"])
    assert "Die Vereinbarung „Kooperation rund um die Geburt“ wurde angelegt." in _messages(detail)


def test_the_coordinating_institution_is_a_partner_even_if_not_ticked(client_for, coordinator, institution):
    client_for(coordinator).post(
        reverse("agreement_create"), {"title": "Allein", "coordinating_institution": institution.pk}
    )
    assert _partner_names(Agreement.objects.get()) == ["Jugendamt Teststadt"]


def test_basiskriterien_are_copied_verbatim_from_the_catalogue(agreement):
    catalogue = list(
        CatalogueEntry.objects.filter(kind=CatalogueKind.BASISKRITERIUM, is_active=True).values_list("text", flat=True)
    )
    copied = list(Criterion.objects.filter(agreement=agreement).values_list("text", flat=True))
    assert len(copied) == 6
    assert copied == catalogue
    assert copied[0] == "eine Wohnung mit Wasser, Strom und Heizung, ohne extreme Verschmutzung"


def test_create_form_offers_only_own_koordination_institutions(client_for, coordinator, institution, other_institution):
    MembershipFactory(institution=other_institution, role=Role.MITGLIED, user=coordinator)
    form = client_for(coordinator).get(reverse("agreement_create")).context["form"]
    assert list(form.fields["coordinating_institution"].queryset) == [institution]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", REQUIRED),
        (
            "title",
            "x" * 201,
            "Bitte sicherstellen, dass der Wert aus höchstens 200 Zeichen besteht. (Er besteht aus 201 Zeichen.)",
        ),
        ("coordinating_institution", "other", "Bitte eine gültige Auswahl treffen. Dies ist keine gültige Auswahl."),
        ("partners", "999999", "Bitte eine gültige Auswahl treffen. 999999 ist keine gültige Auswahl."),
    ],
)
def test_bad_create_input_gets_german_field_messages(
    client_for, coordinator, institution, other_institution, field, value, message
):
    data = {"title": "Titel", "coordinating_institution": institution.pk}
    data[field] = other_institution.pk if value == "other" else value
    response = client_for(coordinator).post(reverse("agreement_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert not Agreement.objects.exists()


def test_member_may_not_create_agreements(client_for, member):
    response = client_for(member).get(reverse("agreement_create"))
    assert response.status_code == 403
    assert "Vereinbarungen legt die Koordination einer Institution an." in response.content.decode()


# --- partners: what each brings and expects; adding and removing ------------------------------------


def _partners_page(client, agreement) -> tuple[dict, dict]:
    context = client.get(reverse("agreement_partners", args=[agreement.pk])).context
    selection = {**form_data(context["select_form"]), "action": "partners"}
    contributions = {**formset_data(context["formset"]), "action": "contributions"}
    return selection, contributions


def test_each_partner_records_what_it_brings_and_expects(client_for, coordinator, agreement):
    client = client_for(coordinator)
    _selection, data = _partners_page(client, agreement)
    data.update(
        {
            "partner-0-contribution": "Hilfeplanung und Schutzauftrag",
            "partner-0-expectations": "Frühe Information",
            "partner-1-contribution": "Geburtshilfe",
        }
    )
    response = client.post(reverse("agreement_partners", args=[agreement.pk]), data)
    assert response.status_code == 302
    content = client.get(agreement.get_absolute_url()).content.decode()
    for text in ("Hilfeplanung und Schutzauftrag", "Frühe Information", "Geburtshilfe"):
        assert text in content
    assert "Was können wir einbringen?" in content
    assert "Was wünschen wir uns von den Partnern?" in content


def _reflect(agreement, institution_name, question, text, status=AnswerStatus.SUBMITTED):
    Reflection.objects.filter(
        partner__agreement=agreement, partner__institution__name=institution_name, question=question
    ).update(text=text, status=status)


def test_partner_page_takes_contributions_from_the_internal_clarification(
    client_for, coordinator, member, partner_institution, agreement
):
    """Say it once: what a partner answered in its internal clarification is already in the form, editable."""
    person(partner_institution, first_name="Paula")
    working = start_work(agreement, coordinator)
    _reflect(working, "Jugendamt Teststadt", "Was können wir einbringen?", "Schutzauftrag und Hilfeplanung")
    _reflect(working, "Jugendamt Teststadt", "Was wünschen wir uns von den Partnern?", "Frühe Information")
    _reflect(working, "Klinikum Teststadt", "Was können wir einbringen?", "Nur ein Entwurf", AnswerStatus.DRAFT)
    client = client_for(coordinator)
    response = client.get(reverse("agreement_partners", args=[working.pk]))
    page = response.content.decode()
    assert "Aus der internen Klärung übernommen (noch nicht gespeichert): Jugendamt Teststadt." in page
    forms = {form.instance.institution.name: form for form in response.context["formset"]}
    assert forms["Jugendamt Teststadt"]["contribution"].value() == "Schutzauftrag und Hilfeplanung"
    assert forms["Jugendamt Teststadt"]["expectations"].value() == "Frühe Information"
    assert not forms["Klinikum Teststadt"]["contribution"].value()  # drafts stay internal
    assert "Nur ein Entwurf" not in page

    # Edited and saved, the text is the partner's; afterwards the saved text wins over the clarification.
    _s, data = _partners_page(client, working)
    data["partner-0-contribution"] = "Schutzauftrag, Hilfeplanung und Beratung"
    assert client.post(reverse("agreement_partners", args=[working.pk]), data).status_code == 302
    jugendamt = Partner.objects.get(agreement=working, institution__name="Jugendamt Teststadt")
    assert (jugendamt.contribution, jugendamt.expectations) == (
        "Schutzauftrag, Hilfeplanung und Beratung",
        "Frühe Information",
    )
    again = client.get(reverse("agreement_partners", args=[working.pk]))
    assert "Aus der internen Klärung übernommen" not in again.content.decode()


def test_stale_contribution_gets_a_conflict(coordinator, second_coordinator, agreement):
    first, second = two_editors(coordinator, second_coordinator)
    _s, first_data = _partners_page(first, agreement)
    _s, second_data = _partners_page(second, agreement)
    url = reverse("agreement_partners", args=[agreement.pk])
    first.post(url, {**first_data, "partner-1-contribution": "vom ersten"})
    response = second.post(url, {**second_data, "partner-1-contribution": "vom zweiten"})
    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    assert Partner.objects.get(institution__name="Klinikum Teststadt").contribution == "vom ersten"


def test_adding_a_partner_appends_it(client_for, coordinator, agreement, other_institution):
    client = client_for(coordinator)
    selection, _c = _partners_page(client, agreement)
    selection["auswahl-institutions"] = [*selection["auswahl-institutions"], other_institution.pk]
    response = client.post(reverse("agreement_partners", args=[agreement.pk]), selection)
    assert response.status_code == 302
    assert _partner_names(agreement) == ["Jugendamt Teststadt", "Klinikum Teststadt", "Drogenberatung Anderswo"]
    assert "Die Partnerliste wurde gespeichert." in _messages(client.get(response["Location"]))


def test_removing_a_partner_removes_its_aufgaben(client_for, coordinator, agreement, institution, partner_institution):
    Responsibility.objects.create(agreement=agreement, institution=institution, role="Fallführung", tasks="a")
    Responsibility.objects.create(agreement=agreement, institution=partner_institution, role="Geburtshilfe", tasks="b")
    client = client_for(coordinator)
    selection, _c = _partners_page(client, agreement)
    selection["auswahl-institutions"] = [institution.pk]

    response = client.post(reverse("agreement_partners", args=[agreement.pk]), selection)

    assert response.status_code == 302
    assert _partner_names(agreement) == ["Jugendamt Teststadt"]
    assert list(Responsibility.objects.values_list("role", flat=True)) == ["Fallführung"]


def test_the_coordinating_institution_cannot_be_removed(client_for, coordinator, agreement, partner_institution):
    client = client_for(coordinator)
    selection, _c = _partners_page(client, agreement)
    selection["auswahl-institutions"] = [partner_institution.pk]

    response = client.post(reverse("agreement_partners", args=[agreement.pk]), selection)

    assert response.status_code == 200
    message = "Die koordinierende Institution „Jugendamt Teststadt“ bleibt immer Partner."
    assert response.context["select_form"].errors["institutions"] == [message]
    assert message in response.content.decode()
    assert _partner_names(agreement) == ["Jugendamt Teststadt", "Klinikum Teststadt"]


def test_set_partners_keeps_the_coordinating_institution(agreement, partner_institution):
    set_partners(agreement, [partner_institution], agreement.version)
    assert "Jugendamt Teststadt" in _partner_names(agreement)


def test_stale_partner_selection_gets_a_conflict_and_changes_nothing(
    coordinator, second_coordinator, agreement, other_institution, institution
):
    first, second = two_editors(coordinator, second_coordinator)
    first_selection, _c = _partners_page(first, agreement)
    second_selection, _c = _partners_page(second, agreement)
    url = reverse("agreement_partners", args=[agreement.pk])
    first.post(
        url,
        {**first_selection, "auswahl-institutions": [*first_selection["auswahl-institutions"], other_institution.pk]},
    )

    response = second.post(url, {**second_selection, "auswahl-institutions": [institution.pk]})

    assert response.status_code == 200
    content = response.content.decode()
    assert "Die Partnerliste wurde inzwischen von jemand anderem geändert." in content
    assert "Gespeichert sind jetzt: Jugendamt Teststadt, Klinikum Teststadt, Drogenberatung Anderswo." in content
    assert _partner_names(agreement) == ["Jugendamt Teststadt", "Klinikum Teststadt", "Drogenberatung Anderswo"]


def test_set_partners_refuses_a_frozen_revision(agreement, other_institution):
    Agreement.objects.filter(pk=agreement.pk).update(status=Status.IN_KRAFT)
    agreement.refresh_from_db()
    with pytest.raises(DomainError, match="eingefrorenen Revision"):
        set_partners(agreement, [other_institution], agreement.version)


# --- access ------------------------------------------------------------------------------------------


def test_outsider_gets_404(client_for, outsider, agreement):
    client = client_for(outsider)
    for name in ("agreement_detail", "agreement_history", "agreement_compare", "agreement_partners"):
        assert client.get(reverse(name, args=[agreement.pk])).status_code == 404


def test_member_sees_the_agreement_without_edit_links(client_for, member, agreement):
    response = client_for(member).get(agreement.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    assert section_url(agreement, "zielgruppen") not in content
    assert "Die Vereinbarung bearbeitet nur die Koordination einer Partnerinstitution." in content
    assert reverse("agreement_edit", args=[agreement.pk]) not in content


def test_administration_sees_every_agreement_but_does_not_edit_it(client_for, admin_user, agreement):
    client = client_for(admin_user)
    assert client.get(agreement.get_absolute_url()).status_code == 200
    assert client.get(section_url(agreement, "ziele")).status_code == 403


def test_koordination_sees_the_edit_links(client_for, coordinator, agreement):
    content = client_for(coordinator).get(agreement.get_absolute_url()).content.decode()
    for section in ("zielgruppen", "ziele", "laufzeit"):
        assert section_url(agreement, section) in content


def test_title_and_preamble_are_edited_with_a_conflict_check(coordinator, second_coordinator, agreement):
    first, second = two_editors(coordinator, second_coordinator)
    url = reverse("agreement_edit", args=[agreement.pk])
    first_data = form_data(first.get(url).context["form"])
    second_data = form_data(second.get(url).context["form"])
    assert first.post(url, {**first_data, "title": "Neuer Titel"}).status_code == 302

    response = second.post(url, {**second_data, "preamble": "Andere Präambel"})

    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    agreement.refresh_from_db()
    assert (agreement.title, agreement.preamble) == ("Neuer Titel", "Gemeinsam für Familien.")


# --- lifecycle -----------------------------------------------------------------------------------------


def _transition(client, agreement, name="start_work"):
    return client.post(reverse("agreement_transition", args=[agreement.pk, name]), follow=True)


def test_start_work_needs_two_partners_and_says_so(client_for, coordinator, agreement, institution):
    set_partners(agreement, [institution], agreement.version)
    response = _transition(client_for(coordinator), agreement)
    assert any(TWO_PARTNERS in message for message in _messages(response))
    agreement.refresh_from_db()
    assert agreement.status == Status.ENTWURF
    assert not StatusChange.objects.exists()


def test_the_start_button_names_why_it_is_disabled(client_for, coordinator, agreement, institution):
    set_partners(agreement, [institution], agreement.version)
    content = client_for(coordinator).get(agreement.get_absolute_url()).content.decode()
    assert re.search(
        r'<button type="submit" class="btn btn-primary" disabled aria-describedby="grund-start_work">', content
    )
    assert "Noch nicht möglich:" in content
    assert TWO_PARTNERS in content


def test_member_may_not_take_a_step(client_for, member, agreement, no_structure_rules):
    response = _transition(client_for(member), agreement)
    assert NOT_FOR_MEMBERS in _messages(response)
    agreement.refresh_from_db()
    assert agreement.status == Status.ENTWURF
    assert (
        'action="/vereinbarungen/' not in response.content.decode().split("stand-der-arbeit")[1].split("</section>")[0]
    )


def test_step_is_recorded_with_who_and_when(client_for, coordinator, agreement, no_structure_rules):
    before = timezone.now()
    response = _transition(client_for(coordinator), agreement)

    assert "Die Vereinbarung hat jetzt den Status „In Erarbeitung“." in _messages(response)
    agreement.refresh_from_db()
    assert agreement.status == Status.IN_ERARBEITUNG
    change = StatusChange.objects.get()
    assert (change.agreement, change.transition, change.by) == (agreement, "start_work", coordinator)
    assert (change.from_status, change.to_status) == (Status.ENTWURF, Status.IN_ERARBEITUNG)
    assert before <= change.at <= timezone.now()
    content = response.content.decode()
    assert f"Entwurf → In Erarbeitung ({coordinator})" in content


def test_step_button_asks_for_confirmation(client_for, coordinator, agreement):
    content = client_for(coordinator).get(agreement.get_absolute_url()).content.decode()
    action = reverse("agreement_transition", args=[agreement.pk, "start_work"])
    assert re.search(rf'<form method="post" action="{action}" data-confirm="[^"]+">', content)


def test_a_step_is_refused_from_the_wrong_status(client_for, coordinator, agreement, no_structure_rules):
    client = client_for(coordinator)
    _transition(client, agreement)
    response = _transition(client, agreement)
    assert "Dieser Schritt ist im Status „In Erarbeitung“ nicht möglich." in _messages(response)
    assert StatusChange.objects.count() == 1


def test_steps_confirm_on_get_and_unknown_steps_404(client_for, coordinator, agreement):
    client = client_for(coordinator)
    # GET is the confirmation page (it works without JavaScript); only POST takes the step.
    assert client.get(reverse("agreement_transition", args=[agreement.pk, "start_work"])).status_code == 200
    assert Agreement.objects.get(pk=agreement.pk).status == Status.ENTWURF
    assert client.post(reverse("agreement_transition", args=[agreement.pk, "fliegen"])).status_code == 404


def test_in_erarbeitung_is_still_editable(client_for, coordinator, agreement):
    Agreement.objects.filter(pk=agreement.pk).update(status=Status.IN_ERARBEITUNG)
    assert client_for(coordinator).get(section_url(agreement, "ziele")).status_code == 200


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (Status.IN_ABSTIMMUNG, "In Abstimmung"),
        (Status.ZUR_UNTERZEICHNUNG, "Zur Unterzeichnung"),
        (Status.IN_KRAFT, "In Kraft"),
        (Status.BEENDET, "Beendet"),
    ],
)
def test_frozen_revision_is_read_only_for_everyone(client_for, coordinator, admin_user, agreement, status, label):
    TargetGroup.objects.create(agreement=agreement, name="Eltern")
    Agreement.objects.filter(pk=agreement.pk).update(status=status)
    reason = f"Diese Revision hat den Status „{label}“ und kann nicht mehr bearbeitet werden."
    client = client_for(coordinator)
    for key in ("zielgruppen", "laufzeit"):
        response = client.get(section_url(agreement, key))
        assert response.status_code == 403
        assert reason in response.content.decode()
    data = {"zeilen-TOTAL_FORMS": "1", "zeilen-INITIAL_FORMS": "0", "zeilen-0-name": "Neu"}
    assert client.post(section_url(agreement, "zielgruppen"), data).status_code == 403
    assert list(TargetGroup.objects.values_list("name", flat=True)) == ["Eltern"]
    assert client.get(reverse("agreement_section_row", args=[agreement.pk, "zielgruppen"])).status_code == 403
    assert client.get(reverse("agreement_partners", args=[agreement.pk])).status_code == 403
    assert client.get(reverse("agreement_edit", args=[agreement.pk])).status_code == 403
    detail = client.get(agreement.get_absolute_url()).content.decode()
    assert reason in detail
    assert section_url(agreement, "zielgruppen") not in detail
    client.force_login(admin_user)
    assert client.get(section_url(agreement, "zielgruppen")).status_code == 403


# --- revisions: label, Stand, amendment, comparison ---------------------------------------------------


def test_revision_label_has_number_month_and_year(agreement):
    agreement.stand = date(2026, 11, 5)
    assert agreement.revision_label == "Revision 000/11.2026"
    agreement.revision, agreement.stand = 12, date(2027, 3, 31)
    assert agreement.revision_label == "Revision 012/03.2027"


def test_detail_shows_status_revision_and_stand(client_for, member, agreement):
    Agreement.objects.filter(pk=agreement.pk).update(stand=date(2026, 11, 5))
    content = client_for(member).get(agreement.get_absolute_url()).content.decode()
    assert "Revision 000/11.2026" in content
    assert "Stand 05.11.2026" in content
    assert '<span class="badge status-entwurf">Entwurf</span>' in content


def test_editing_moves_the_stand_to_today(client_for, coordinator, agreement):
    Agreement.objects.filter(pk=agreement.pk).update(stand=date(2025, 1, 2))
    client = client_for(coordinator)
    url = reverse("agreement_edit", args=[agreement.pk])
    client.post(url, {**form_data(client.get(url).context["form"]), "title": "Neu"})
    agreement.refresh_from_db()
    assert agreement.stand == timezone.localdate()


@pytest.fixture
def in_force(agreement):
    """The agreement fully written and in force, as the first revision."""
    fill_sections(agreement, rows=2)
    Agreement.objects.filter(pk=agreement.pk).update(status=Status.IN_KRAFT, stand=date(2026, 1, 15))
    agreement.refresh_from_db()
    return agreement


def test_amendment_creates_the_next_revision_as_an_editable_copy(in_force, coordinator):
    amendment = copy_revision(in_force, coordinator)

    assert (amendment.revision, amendment.status) == (1, Status.IN_ERARBEITUNG)
    assert (amendment.predecessor, amendment.series_root_id) == (in_force, in_force.pk)
    assert amendment.revision_label == f"Revision 001/{timezone.localdate():%m.%Y}"
    assert amendment.title == in_force.title
    assert _partner_names(amendment) == _partner_names(in_force)
    for model in (TargetGroup, Goal, Criterion, Responsibility, FlowPlan):
        assert list(model.objects.filter(agreement=amendment).values_list("pk", flat=True)) != list(
            model.objects.filter(agreement=in_force).values_list("pk", flat=True)
        )
        assert model.objects.filter(agreement=amendment).count() == model.objects.filter(agreement=in_force).count()
    assert list(Indicator.objects.filter(goal__agreement=amendment).values_list("text", flat=True)) == list(
        Indicator.objects.filter(goal__agreement=in_force).values_list("text", flat=True)
    )
    assert Term.objects.get(agreement=amendment).duration_months == 24
    assert list(amendment.revisions()) == [in_force, amendment]
    in_force.refresh_from_db()
    assert in_force.status == Status.IN_KRAFT  # the revision in force stays in force


def test_editing_the_amendment_leaves_the_revision_in_force_unchanged(client_for, coordinator, in_force):
    amendment = copy_revision(in_force, coordinator)
    client = client_for(coordinator)
    data = section_data(client, amendment, "zielgruppen")
    data["zeilen-0-name"] = "Geänderte Zielgruppe"
    assert client.post(section_url(amendment, "zielgruppen"), data).status_code == 302
    assert TargetGroup.objects.filter(agreement=in_force, name="Zielgruppe 0").exists()
    assert TargetGroup.objects.filter(agreement=amendment, name="Geänderte Zielgruppe").exists()


def test_a_revision_is_amended_only_once(in_force, coordinator):
    copy_revision(in_force, coordinator)
    with pytest.raises(DomainError, match="bereits eine Änderung begonnen"):
        copy_revision(in_force, coordinator)


def test_later_amendments_stay_in_the_same_series(in_force, coordinator):
    second = copy_revision(in_force, coordinator)
    third = copy_revision(second, coordinator)
    assert (third.revision, third.series_root_id, third.predecessor) == (2, in_force.pk, second)
    assert list(in_force.revisions()) == [in_force, second, third]


def test_detail_links_the_comparison_once_a_series_has_two_revisions(client_for, coordinator, in_force):
    client = client_for(coordinator)
    compare = reverse("agreement_compare", args=[in_force.pk])
    assert compare not in client.get(in_force.get_absolute_url()).content.decode()

    amendment = copy_revision(in_force, coordinator)

    # The root learns of its later revision, the amendment of its root.
    assert compare in client.get(in_force.get_absolute_url()).content.decode()
    assert (
        reverse("agreement_compare", args=[amendment.pk]) in client.get(amendment.get_absolute_url()).content.decode()
    )


def test_compare_highlights_what_the_amendment_changed(client_for, coordinator, in_force):
    amendment = copy_revision(in_force, coordinator)
    Goal.objects.filter(agreement=amendment, text="Ziel 0").update(text="Ziel 0, neu gefasst")
    client = client_for(coordinator)

    response = client.get(reverse("agreement_compare", args=[amendment.pk]))

    assert response.status_code == 200
    assert (response.context["older"], response.context["newer"]) == (in_force, amendment)
    content = response.content.decode()
    assert (
        '<del class="d-block diff-removed"><span class="visually-hidden">entfernt: </span>Ziel: Ziel 0</del>' in content
    )
    assert (
        '<ins class="d-block diff-added text-decoration-none"><span class="visually-hidden">hinzugefügt: </span>'
        "Ziel: Ziel 0, neu gefasst</ins>" in content
    )
    changed = {diff.title: diff.changed for diff in response.context["sections"]}
    assert changed["2. Ziele und Indikatoren"] is True
    assert [title for title, is_changed in changed.items() if is_changed] == ["2. Ziele und Indikatoren"]
    assert len(changed) == 11  # title and preamble, partners, and the nine sections


def test_any_two_revisions_can_be_compared(client_for, coordinator, in_force):
    second = copy_revision(in_force, coordinator)
    TargetGroup.objects.filter(agreement=second).update(description="zweite Fassung")
    Agreement.objects.filter(pk=second.pk).update(status=Status.IN_KRAFT)
    third = copy_revision(second, coordinator)
    Term.objects.filter(agreement=third).update(duration_months=36)
    client = client_for(coordinator)

    response = client.get(reverse("agreement_compare", args=[third.pk]), {"a": third.pk, "b": in_force.pk})

    assert (response.context["older"], response.context["newer"]) == (in_force, third)
    changed = [diff.title for diff in response.context["sections"] if diff.changed]
    assert changed == ["1. Zielgruppen", "9. Laufzeit und Überprüfung"]
    content = response.content.decode()
    assert "Laufzeit: 36 Monate" in content
    assert "Zielgruppe 0: zweite Fassung" in content
    assert content.count("unverändert") == 9


@pytest.mark.parametrize("value", ["abc", "999999", "other"])
def test_comparing_with_a_foreign_or_bad_revision_is_404(client_for, coordinator, in_force, value):
    other = create_agreement(
        coordinator,
        title="Andere",
        preamble="",
        coordinating_institution=in_force.coordinating_institution,
        institutions=[],
    )
    response = client_for(coordinator).get(
        reverse("agreement_compare", args=[in_force.pk]), {"a": other.pk if value == "other" else value}
    )
    assert response.status_code == 404


def test_compare_link_appears_only_with_several_revisions(client_for, coordinator, in_force):
    client = client_for(coordinator)
    compare = reverse("agreement_compare", args=[in_force.pk])
    assert compare not in client.get(in_force.get_absolute_url()).content.decode()
    amendment = copy_revision(in_force, coordinator)
    assert (
        reverse("agreement_compare", args=[amendment.pk]) in client.get(amendment.get_absolute_url()).content.decode()
    )


# --- history (Verlauf) --------------------------------------------------------------------------------


def test_history_shows_who_changed_what_from_old_to_new(client_for, coordinator, agreement):
    TargetGroup.objects.create(agreement=agreement, name="Eltern", description="alt", position=1)
    client = client_for(coordinator)
    data = section_data(client, agreement, "zielgruppen")
    data["zeilen-0-description"] = "neu"
    client.post(section_url(agreement, "zielgruppen"), data)

    response = client.get(reverse("agreement_history", args=[agreement.pk]))

    content = response.content.decode()
    newest = response.context["entries"][0]
    assert (newest.actor, str(newest.action), newest.what) == (coordinator, "geändert", "Zielgruppe: Eltern")
    assert [(c.field, c.old, c.new) for c in newest.changes] == [("Beschreibung", "alt", "neu")]
    assert f"· {coordinator} · geändert</h2>" in content
    assert '<th scope="row">Beschreibung</th><td class="diff-removed-plain">alt</td><td>neu</td>' in content


def test_history_records_rows_added_and_deleted_through_the_page(client_for, coordinator, agreement):
    client = client_for(coordinator)
    data = section_data(client, agreement, "kommunikation")
    data.update(
        {
            "zeilen-0-subject": "Geburt",
            "zeilen-0-between": "alle",
            "zeilen-0-channel": "Telefon",
            "zeilen-0-frequency": "1",
        }
    )
    client.post(section_url(agreement, "kommunikation"), data)
    data = section_data(client, agreement, "kommunikation")
    data["zeilen-0-DELETE"] = "on"
    client.post(section_url(agreement, "kommunikation"), data)

    entries = client.get(reverse("agreement_history", args=[agreement.pk])).context["entries"]

    assert [(str(e.action), e.what, e.actor) for e in entries[:2]] == [
        ("gelöscht", "Kommunikationsweg: Geburt", coordinator),
        ("angelegt", "Kommunikationsweg: Geburt", coordinator),
    ]


def test_history_names_partners_and_choices_instead_of_ids(client_for, coordinator, agreement, institution):
    client = client_for(coordinator)
    data = section_data(client, agreement, "aufgaben")
    data.update({"zeilen-0-institution": institution.pk, "zeilen-0-role": "Fallführung", "zeilen-0-tasks": "Planen"})
    client.post(section_url(agreement, "aufgaben"), data)
    data = section_data(client, agreement, "datenschutz")
    data.update({"zeilen-0-information": "Termine", "zeilen-0-between": "alle", "zeilen-0-basis": "einwilligung"})
    client.post(section_url(agreement, "datenschutz"), data)

    entries = client.get(reverse("agreement_history", args=[agreement.pk])).context["entries"]

    changes = {(c.field, c.new) for entry in entries for c in entry.changes}
    assert ("Partner", "Jugendamt Teststadt") in changes
    assert ("Grundlage", "Einwilligung / Schweigepflichtentbindung") in changes


def test_history_shows_only_this_agreement(client_for, coordinator, agreement, institution):
    other = create_agreement(
        coordinator, title="Andere", preamble="", coordinating_institution=institution, institutions=[]
    )
    TargetGroup.objects.create(agreement=other, name="Fremde Zielgruppe")
    content = client_for(coordinator).get(reverse("agreement_history", args=[agreement.pk])).content.decode()
    assert "Fremde Zielgruppe" not in content
    assert "Kooperationsvereinbarung Teststadt" in content


def test_history_records_a_partner_removed(agreement, institution):
    set_partners(agreement, [institution], agreement.version)
    entry = LogEntry.objects.filter(additional_data__agreement_id=agreement.pk).order_by("-pk").first()
    assert entry.action == LogEntry.Action.DELETE


# --- list, filters, search, pagination, start page ---------------------------------------------------


@pytest.fixture
def catalogue_of_agreements(coordinator, institution, partner_institution, other_institution):
    """Three agreements in different states, fields and review dates (plus the outsider's own)."""
    school = InstitutionFactory(name="Gesamtschule Lindenpark", arbeitsfeld=ArbeitsfeldFactory(name="Schule"))
    youth = create_agreement(
        coordinator,
        title="Frühe Hilfen rund um die Geburt",
        preamble="Schwangere mit Suchtproblematik",
        coordinating_institution=institution,
        institutions=[partner_institution],
    )
    school_agreement = create_agreement(
        coordinator,
        title="Übergang Schule – Beruf",
        preamble="Ausbildung",
        coordinating_institution=institution,
        institutions=[school],
    )
    due = create_agreement(
        coordinator,
        title="Kinderschutz im Klinikum",
        preamble="",
        coordinating_institution=institution,
        institutions=[partner_institution],
    )
    today = timezone.localdate()
    Agreement.objects.filter(pk=school_agreement.pk).update(status=Status.IN_KRAFT, review_due_on=today + timedelta(60))
    Agreement.objects.filter(pk=due.pk).update(status=Status.UEBERPRUEFUNG_FAELLIG, review_due_on=today - timedelta(1))
    foreign_coordinator = MembershipFactory(institution=other_institution, role=Role.KOORDINATION).user
    create_agreement(
        foreign_coordinator,
        title="Fremde Vereinbarung",
        preamble="",
        coordinating_institution=other_institution,
        institutions=[],
    )
    return {"youth": youth, "school": school_agreement, "due": due, "school_institution": school}


def _titles(response) -> list[str]:
    return sorted(a.title for a in response.context["page_obj"])


def test_list_shows_only_agreements_of_own_institutions(client_for, member, catalogue_of_agreements):
    response = client_for(member).get(reverse("agreement_list"))
    assert _titles(response) == [
        "Frühe Hilfen rund um die Geburt",
        "Kinderschutz im Klinikum",
        "Übergang Schule – Beruf",
    ]
    assert "3 Vereinbarungen gefunden" in response.content.decode()


def test_administration_lists_every_agreement(client_for, admin_user, catalogue_of_agreements):
    assert "Fremde Vereinbarung" in _titles(client_for(admin_user).get(reverse("agreement_list")))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": Status.IN_KRAFT}, ["Übergang Schule – Beruf"]),
        ({"status": Status.ENTWURF}, ["Frühe Hilfen rund um die Geburt"]),
        ({"q": "geburt"}, ["Frühe Hilfen rund um die Geburt"]),
        ({"q": "SUCHT"}, ["Frühe Hilfen rund um die Geburt"]),  # the preamble is searched too
        ({"q": "nichts dergleichen"}, []),
        ({"review": "faellig"}, ["Kinderschutz im Klinikum"]),
        ({"review": "90"}, ["Kinderschutz im Klinikum", "Übergang Schule – Beruf"]),
        ({"status": Status.IN_KRAFT, "q": "Klinikum"}, []),
    ],
)
def test_list_filters(client_for, member, catalogue_of_agreements, query, expected):
    assert _titles(client_for(member).get(reverse("agreement_list"), query)) == expected


def test_list_filters_by_partner_institution(client_for, member, catalogue_of_agreements, partner_institution):
    response = client_for(member).get(reverse("agreement_list"), {"institution": partner_institution.pk})
    assert _titles(response) == ["Frühe Hilfen rund um die Geburt", "Kinderschutz im Klinikum"]


def test_list_filters_by_arbeitsfeld(client_for, member, catalogue_of_agreements):
    field = catalogue_of_agreements["school_institution"].arbeitsfeld
    assert _titles(client_for(member).get(reverse("agreement_list"), {"arbeitsfeld": field.pk})) == [
        "Übergang Schule – Beruf"
    ]


def test_list_with_no_match_says_so(client_for, member, catalogue_of_agreements):
    content = client_for(member).get(reverse("agreement_list"), {"q": "nichts"}).content.decode()
    assert "Keine Vereinbarung passt zu diesem Filter." in content


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"status": "erfunden"}, "status", "Bitte eine gültige Auswahl treffen. erfunden ist keine gültige Auswahl."),
        ({"institution": "abc"}, "institution", "Bitte eine gültige Auswahl treffen. Dies ist keine gültige Auswahl."),
        (
            {"q": "x" * 101},
            "q",
            "Bitte sicherstellen, dass der Wert aus höchstens 100 Zeichen besteht. (Er besteht aus 101 Zeichen.)",
        ),
    ],
)
def test_bad_filter_input_gets_a_german_field_message(
    client_for, member, catalogue_of_agreements, query, field, message
):
    response = client_for(member).get(reverse("agreement_list"), query)
    assert response.status_code == 200
    assert response.context["filter_form"].errors[field] == [message]
    assert message in response.content.decode()


def _many_agreements(coordinator, institution, partner_institution, count: int) -> None:
    for number in range(count):
        create_agreement(
            coordinator,
            title=f"Vereinbarung {number:02d}",
            preamble="",
            coordinating_institution=institution,
            institutions=[partner_institution],
        )


def test_list_is_paginated_and_pages_keep_the_filter(client_for, member, coordinator, institution, partner_institution):
    _many_agreements(coordinator, institution, partner_institution, 25)
    client = client_for(member)
    first = client.get(reverse("agreement_list"), {"status": Status.ENTWURF})
    assert len(first.context["page_obj"]) == 20
    assert "25 Vereinbarungen gefunden" in first.content.decode()
    assert (
        "status=entwurf&amp;page=2" in first.content.decode() or "page=2&amp;status=entwurf" in first.content.decode()
    )
    second = client.get(reverse("agreement_list"), {"status": Status.ENTWURF, "page": "2"})
    assert len(second.context["page_obj"]) == 5
    first_titles = {a.title for a in first.context["page_obj"]}
    assert not first_titles & {a.title for a in second.context["page_obj"]}
    assert client.get(reverse("agreement_list"), {"page": "abc"}).status_code == 200
    assert client.get(reverse("agreement_list"), {"page": "99"}).status_code == 200


def test_start_page_lists_my_agreements(client_for, member, catalogue_of_agreements):
    content = client_for(member).get(reverse("dashboard")).content.decode()
    assert "Meine Vereinbarungen" in content
    assert "Frühe Hilfen rund um die Geburt" in content
    assert "Übergang Schule – Beruf" in content
    assert "Fremde Vereinbarung" not in content
    assert "Revision 000/" in content


def test_start_page_without_agreements_says_so(client_for, outsider):
    content = client_for(outsider).get(reverse("dashboard")).content.decode()
    assert "Ihre Institutionen sind noch an keiner Vereinbarung beteiligt." in content


# --- speed: pinned query counts at two data sizes -------------------------------------------------


@pytest.mark.parametrize("count", [3, 25])
def test_list_query_count_does_not_grow(
    count,
    client_for,
    member,
    coordinator,
    institution,
    partner_institution,
    other_institution,
    django_assert_num_queries,
):
    _many_agreements(coordinator, institution, partner_institution, count)
    for agreement in Agreement.objects.all()[:2]:
        set_partners(agreement, [institution, partner_institution, other_institution], agreement.version)
    client = client_for(member)
    with django_assert_num_queries(11):
        response = client.get(reverse("agreement_list"))
    assert len(response.context["page_obj"]) == min(count, 20)


@pytest.mark.parametrize("count", [3, 25])
def test_filtered_list_query_count_does_not_grow(
    count, client_for, member, coordinator, institution, partner_institution, django_assert_num_queries
):
    _many_agreements(coordinator, institution, partner_institution, count)
    client = client_for(member)
    query = {"q": "Vereinbarung", "status": Status.ENTWURF, "institution": partner_institution.pk, "page": "1"}
    with django_assert_num_queries(12):
        response = client.get(reverse("agreement_list"), query)
    assert len(response.context["page_obj"]) == min(count, 20)


def _agreement_of_size(coordinator, institution, size: int) -> Agreement:
    partners = [InstitutionFactory(arbeitsfeld=ArbeitsfeldFactory()) for _ in range(size // 4)]
    agreement = create_agreement(
        coordinator, title="Groß", preamble="", coordinating_institution=institution, institutions=partners
    )
    return fill_sections(agreement, rows=size)


@pytest.mark.parametrize("size", [3, 20])
def test_detail_query_count_does_not_grow(size, client_for, coordinator, institution, django_assert_num_queries):
    agreement = _agreement_of_size(coordinator, institution, size)
    client = client_for(coordinator)
    # The rows of the eight listed sections come in one query (was one per table); whether there are
    # later revisions comes with the agreement.
    with django_assert_num_queries(14):  # +1: open comments per section
        response = client.get(agreement.get_absolute_url())
    assert "9 von 9 Abschnitten vollständig" in response.content.decode()


@pytest.mark.parametrize("size", [3, 20])
def test_detail_query_count_for_a_member_does_not_grow(
    size, client_for, member, coordinator, institution, django_assert_num_queries
):
    agreement = _agreement_of_size(coordinator, institution, size)
    client = client_for(member)
    with django_assert_num_queries(11):  # +1: open comments per section
        client.get(agreement.get_absolute_url())


@pytest.mark.parametrize("cycles", [12, 60])
def test_history_query_count_does_not_grow(
    cycles, client_for, coordinator, agreement, institution, partner_institution, django_assert_num_queries
):
    term = Term.objects.get(agreement=agreement)
    field = partner_institution.arbeitsfeld
    for number in range(cycles):
        TargetGroup.objects.create(agreement=agreement, name=f"Zielgruppe {number}")
        Responsibility.objects.create(agreement=agreement, institution=institution, role=f"Rolle {number}", tasks="x")
        FlowPlan.objects.create(agreement=agreement, arbeitsfeld=field, situation="a", recommendation="b", goal="c")
        term.board_duties = f"Fassung {number}"
        term.save()
        Partner.objects.filter(agreement=agreement).first().save()
    client = client_for(coordinator)
    with django_assert_num_queries(12):
        response = client.get(reverse("agreement_history", args=[agreement.pk]))
    assert len(response.context["entries"]) == 50
