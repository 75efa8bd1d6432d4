"""The working structure's rules at their edges: Vorbereitungsgruppe, Kooperationsgremium, Untergruppen, the guide."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from agreements.models import (
    Agreement,
    AnswerStatus,
    BoardMember,
    CatalogueEntry,
    CatalogueKind,
    GuidingQuestion,
    PrepGroupSeat,
    QuestionKind,
    Reflection,
    Status,
    Subgroup,
    SubgroupAnswer,
    SubgroupScope,
)
from agreements.queries.structure import Structure
from agreements.services import agreement as agreement_service
from agreements.services import structure as service
from kooperation.core.errors import DomainError
from kooperation.network.models import Membership
from tests.factories import ArbeitsfeldFactory, InstitutionFactory
from tests.structure_data import person, staff, version

pytestmark = pytest.mark.django_db

STEP_TITLES = [
    "Partner & Arbeitsfelder",
    "Vorbereitungsgruppe",
    "Kooperationsgremium",
    "Untergruppen",
    "Ergebnisse der Untergruppen",
    "Vereinbarungstext",
    "Abstimmung",
    "Unterzeichnung",
]


@pytest.fixture
def partner_member(partner_institution):
    """Mitglied of `partner_institution`, the agreement's second partner."""
    return person(partner_institution, first_name="Paula")


def _structure(agreement) -> Structure:
    return Structure(Agreement.objects.get(pk=agreement.pk))


def _name(user) -> str:
    return user.get_full_name()


def _page(response) -> str:
    return response.content.decode()


# --- Vorbereitungsgruppe: exactly one representative per Arbeitsfeld --------------------------


def test_prep_group_without_representative_names_the_field(agreement, partner_institution):
    partner_institution.arbeitsfeld = ArbeitsfeldFactory(name="Medizinische Versorgung")
    partner_institution.save()
    assert (
        "Für das Arbeitsfeld Medizinische Versorgung fehlt noch eine Vertretung in der Vorbereitungsgruppe."
        in _structure(agreement).prep_missing()
    )


def test_prep_group_with_no_seat_lists_every_field(agreement, institution, partner_institution):
    fields = sorted([institution.arbeitsfeld, partner_institution.arbeitsfeld], key=lambda f: (f.position, f.name))
    assert _structure(agreement).prep_missing() == [
        f"Für das Arbeitsfeld {field.name} fehlt noch eine Vertretung in der Vorbereitungsgruppe." for field in fields
    ]


def test_prep_group_with_one_seat_per_field_is_complete(agreement, institution, partner_institution, coordinator):
    partner = person(partner_institution)
    service.set_prep_group(
        agreement,
        {institution.arbeitsfeld: coordinator, partner_institution.arbeitsfeld: partner},
        version(agreement),
    )
    assert _structure(agreement).prep_missing() == []


def test_prep_group_with_one_field_staffed_still_misses_the_other(
    agreement, institution, partner_institution, coordinator
):
    service.set_prep_group(agreement, {institution.arbeitsfeld: coordinator}, version(agreement))
    assert _structure(agreement).prep_missing() == [
        f"Für das Arbeitsfeld {partner_institution.arbeitsfeld.name} fehlt noch eine Vertretung in der "
        "Vorbereitungsgruppe."
    ]


def test_prep_group_keeps_exactly_one_seat_per_field(agreement, institution, coordinator, member):
    service.set_prep_group(agreement, {institution.arbeitsfeld: coordinator}, version(agreement))
    service.set_prep_group(agreement, {institution.arbeitsfeld: member}, version(agreement))
    assert list(PrepGroupSeat.objects.filter(agreement=agreement).values_list("user", flat=True)) == [member.pk]


def test_prep_group_refuses_a_second_seat_for_one_field(agreement, institution, coordinator, member):
    PrepGroupSeat.objects.create(agreement=agreement, arbeitsfeld=institution.arbeitsfeld, user=coordinator)
    with pytest.raises(IntegrityError), transaction.atomic():
        PrepGroupSeat.objects.create(agreement=agreement, arbeitsfeld=institution.arbeitsfeld, user=member)


def test_prep_group_seat_emptied_is_missing_again(agreement, institution, coordinator):
    service.set_prep_group(agreement, {institution.arbeitsfeld: coordinator}, version(agreement))
    service.set_prep_group(agreement, {institution.arbeitsfeld: None}, version(agreement))
    assert not PrepGroupSeat.objects.filter(agreement=agreement).exists()


def test_prep_representative_whose_membership_is_deleted_no_longer_counts(
    agreement, institution, partner_institution, coordinator, partner_member
):
    service.set_prep_group(
        agreement,
        {institution.arbeitsfeld: coordinator, partner_institution.arbeitsfeld: partner_member},
        version(agreement),
    )
    Membership.objects.filter(user=partner_member).delete()
    assert _structure(agreement).prep_missing() == [
        f"{_name(partner_member)} vertritt das Arbeitsfeld {partner_institution.arbeitsfeld.name}, gehört aber "
        "keiner Partnerinstitution dieses Arbeitsfelds mehr an."
    ]


def test_prep_representative_deactivated_no_longer_counts(
    agreement, institution, partner_institution, coordinator, partner_member
):
    service.set_prep_group(
        agreement,
        {institution.arbeitsfeld: coordinator, partner_institution.arbeitsfeld: partner_member},
        version(agreement),
    )
    partner_member.is_active = False
    partner_member.save()
    assert len(_structure(agreement).prep_missing()) == 1
    assert (
        "gehört aber keiner Partnerinstitution dieses Arbeitsfelds mehr an" in _structure(agreement).prep_missing()[0]
    )


def test_prep_seat_of_a_field_no_longer_among_the_partners_must_go(
    agreement, institution, partner_institution, coordinator, partner_member
):
    old_field = partner_institution.arbeitsfeld
    service.set_prep_group(
        agreement, {institution.arbeitsfeld: coordinator, old_field: partner_member}, version(agreement)
    )
    partner_institution.arbeitsfeld = ArbeitsfeldFactory(name="Frühe Hilfen")
    partner_institution.save()
    assert _structure(agreement).prep_missing() == [
        "Für das Arbeitsfeld Frühe Hilfen fehlt noch eine Vertretung in der Vorbereitungsgruppe.",
        f"Das Arbeitsfeld {old_field.name} ist unter den Partnern nicht mehr vertreten; bitte die Vertretung "
        "entfernen.",
    ]


def test_prep_page_saves_one_representative_per_field(
    client_for, agreement, institution, partner_institution, coordinator, partner_member
):
    response = client_for(coordinator).post(
        reverse("structure_prep", args=[agreement.pk]),
        {
            "version": version(agreement),
            f"feld_{institution.arbeitsfeld_id}": coordinator.pk,
            f"feld_{partner_institution.arbeitsfeld_id}": partner_member.pk,
        },
        follow=True,
    )
    assert "Die Besetzung wurde gespeichert." in _page(response)
    assert "Dieser Schritt ist abgeschlossen." in _page(response)
    seats = dict(PrepGroupSeat.objects.filter(agreement=agreement).values_list("arbeitsfeld", "user"))
    assert seats == {institution.arbeitsfeld_id: coordinator.pk, partner_institution.arbeitsfeld_id: partner_member.pk}


def test_prep_page_refuses_a_person_of_another_field(
    client_for, agreement, institution, partner_institution, coordinator, partner_member
):
    response = client_for(coordinator).post(
        reverse("structure_prep", args=[agreement.pk]),
        {"version": version(agreement), f"feld_{institution.arbeitsfeld_id}": partner_member.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"feld_{institution.arbeitsfeld_id}"] == [
        "Bitte eine Person einer Partnerinstitution dieses Arbeitsfelds wählen."
    ]
    assert not PrepGroupSeat.objects.filter(agreement=agreement).exists()


def test_prep_page_refuses_a_stale_form_and_keeps_the_choice(client_for, agreement, institution, coordinator):
    stale = version(agreement)
    service.set_prep_group(agreement, {}, stale)
    response = client_for(coordinator).post(
        reverse("structure_prep", args=[agreement.pk]),
        {"version": stale, f"feld_{institution.arbeitsfeld_id}": coordinator.pk},
    )
    assert "Die Vereinbarung wurde inzwischen von jemand anderem geändert." in _page(response)
    assert response.context["form"]["version"].value() == str(version(agreement))
    assert not PrepGroupSeat.objects.filter(agreement=agreement).exists()


def test_prep_page_shows_the_groups_tasks_and_what_is_missing(client_for, agreement, member, partner_institution):
    page = _page(client_for(member).get(reverse("structure_prep", args=[agreement.pk])))
    assert "Aufgaben der Vorbereitungsgruppe" in page
    assert "Vor- und Nachbereitung der Arbeitstreffen des Kooperationsgremiums" in page
    assert "Dokumentation der Prozesse" in page
    assert (
        f"Für das Arbeitsfeld {partner_institution.arbeitsfeld.name} fehlt noch eine Vertretung in der "
        "Vorbereitungsgruppe." in page
    )
    assert "Die Vereinbarung bearbeitet nur die Koordination einer Partnerinstitution." in page


# --- Kooperationsgremium: at least one representative of every partner institution -------------


def test_board_without_members_needs_one_per_institution(agreement, institution, partner_institution):
    assert _structure(agreement).board_missing() == [
        "Für „Jugendamt Teststadt“ fehlt noch eine Vertretung im Kooperationsgremium.",
        "Für „Klinikum Teststadt“ fehlt noch eine Vertretung im Kooperationsgremium.",
    ]


def test_board_with_one_member_per_institution_is_complete(
    agreement, institution, partner_institution, coordinator, partner_member
):
    service.set_board(
        agreement, {institution: [coordinator], partner_institution: [partner_member]}, version(agreement)
    )
    assert _structure(agreement).board_missing() == []


def test_board_with_one_institution_staffed_misses_the_other(agreement, institution, coordinator):
    service.set_board(agreement, {institution: [coordinator]}, version(agreement))
    assert _structure(agreement).board_missing() == [
        "Für „Klinikum Teststadt“ fehlt noch eine Vertretung im Kooperationsgremium."
    ]


def test_board_takes_two_members_of_one_institution(
    agreement, institution, partner_institution, coordinator, member, partner_member
):
    service.set_board(
        agreement, {institution: [coordinator, member], partner_institution: [partner_member]}, version(agreement)
    )
    assert _structure(agreement).board_missing() == []
    assert set(BoardMember.objects.filter(institution=institution).values_list("user", flat=True)) == {
        coordinator.pk,
        member.pk,
    }
    service.set_board(agreement, {institution: [member], partner_institution: [partner_member]}, version(agreement))
    assert list(BoardMember.objects.filter(institution=institution).values_list("user", flat=True)) == [member.pk]


def test_board_member_who_left_the_institution_leaves_a_gap(
    agreement, institution, partner_institution, coordinator, partner_member
):
    service.set_board(
        agreement, {institution: [coordinator], partner_institution: [partner_member]}, version(agreement)
    )
    Membership.objects.filter(user=partner_member).delete()
    assert _structure(agreement).board_missing() == [
        f"{_name(partner_member)} gehört nicht mehr zu „Klinikum Teststadt“ und kann sie im Gremium nicht vertreten.",
        "Für „Klinikum Teststadt“ fehlt noch eine Vertretung im Kooperationsgremium.",
    ]


def test_board_member_who_left_is_named_even_when_a_second_remains(
    agreement, institution, partner_institution, coordinator, member, partner_member
):
    service.set_board(
        agreement, {institution: [coordinator, member], partner_institution: [partner_member]}, version(agreement)
    )
    Membership.objects.filter(user=member).delete()
    assert _structure(agreement).board_missing() == [
        f"{_name(member)} gehört nicht mehr zu „Jugendamt Teststadt“ und kann sie im Gremium nicht vertreten."
    ]


def test_board_page_saves_representatives(
    client_for, agreement, institution, partner_institution, coordinator, member, partner_member
):
    response = client_for(coordinator).post(
        reverse("structure_board", args=[agreement.pk]),
        {
            "version": version(agreement),
            f"institution_{institution.pk}": [coordinator.pk, member.pk],
            f"institution_{partner_institution.pk}": [partner_member.pk],
        },
        follow=True,
    )
    assert "Die Besetzung wurde gespeichert." in _page(response)
    assert BoardMember.objects.filter(agreement=agreement).count() == 3


def test_board_page_refuses_a_person_of_another_institution(
    client_for, agreement, institution, partner_institution, coordinator, partner_member
):
    response = client_for(coordinator).post(
        reverse("structure_board", args=[agreement.pk]),
        {"version": version(agreement), f"institution_{institution.pk}": [partner_member.pk]},
    )
    assert response.context["form"].errors[f"institution_{institution.pk}"] == [
        "Bitte nur Personen dieser Institution wählen."
    ]
    assert not BoardMember.objects.filter(agreement=agreement).exists()


def test_board_page_shows_the_boards_tasks(client_for, agreement, member):
    page = _page(client_for(member).get(reverse("structure_board", args=[agreement.pk])))
    assert "Entwicklung der Inhalte einer Kooperationsvereinbarung" in page
    assert "Abstimmung mit allen Beteiligten" in page
    assert "Für „Klinikum Teststadt“ fehlt noch eine Vertretung im Kooperationsgremium." in page


# --- Partners added late or removed ----------------------------------------------------------


def test_partner_added_late_is_missing_everywhere_its_field_is_new(agreement, coordinator, partner_member):
    staff(agreement, coordinator)
    assert _structure(agreement).structure_missing() == []
    school = InstitutionFactory(name="Gesamtschule Lindenpark", arbeitsfeld=ArbeitsfeldFactory(name="Schule"))
    person(school, first_name="Sina")
    current = Agreement.objects.get(pk=agreement.pk)
    agreement_service.set_partners(
        current, [*[p.institution for p in current.partners.all()], school], version(agreement)
    )

    structure = _structure(agreement)
    assert structure.prep_missing() == [
        "Für das Arbeitsfeld Schule fehlt noch eine Vertretung in der Vorbereitungsgruppe."
    ]
    assert structure.board_missing() == [
        "Für „Gesamtschule Lindenpark“ fehlt noch eine Vertretung im Kooperationsgremium."
    ]
    assert structure.subgroups_missing() == ["Für „Gesamtschule Lindenpark“ gibt es noch keine Untergruppe."]
    assert Reflection.objects.filter(partner__institution=school, partner__agreement=agreement).count() == 5


def test_partner_added_late_in_a_present_field_needs_no_new_prep_seat(
    agreement, partner_institution, coordinator, partner_member
):
    staff(agreement, coordinator)
    clinic_two = InstitutionFactory(name="Zweites Klinikum", arbeitsfeld=partner_institution.arbeitsfeld)
    current = Agreement.objects.get(pk=agreement.pk)
    agreement_service.set_partners(
        current, [*[p.institution for p in current.partners.all()], clinic_two], version(agreement)
    )
    structure = _structure(agreement)
    assert structure.prep_missing() == []
    assert structure.board_missing() == ["Für „Zweites Klinikum“ fehlt noch eine Vertretung im Kooperationsgremium."]


def test_partner_added_on_the_partner_page_shows_up_on_the_guide(
    client_for, agreement, institution, partner_institution, coordinator, partner_member
):
    staff(agreement, coordinator)
    school = InstitutionFactory(name="Gesamtschule Lindenpark", arbeitsfeld=ArbeitsfeldFactory(name="Schule"))
    client = client_for(coordinator)
    response = client.post(
        reverse("agreement_partners", args=[agreement.pk]),
        {
            "action": "partners",
            "auswahl-version": version(agreement),
            "auswahl-institutions": [institution.pk, partner_institution.pk, school.pk],
        },
        follow=True,
    )
    assert "Die Partnerliste wurde gespeichert." in _page(response)
    guide = _page(client.get(reverse("agreement_guide", args=[agreement.pk])))
    assert "Für das Arbeitsfeld Schule fehlt noch eine Vertretung in der Vorbereitungsgruppe." in guide
    assert "Für „Gesamtschule Lindenpark“ fehlt noch eine Vertretung im Kooperationsgremium." in guide
    assert "Für „Gesamtschule Lindenpark“ gibt es noch keine Untergruppe." in guide


def test_removing_a_partner_prunes_its_seats_subgroup_and_clarification(
    agreement, institution, partner_institution, coordinator, partner_member
):
    school = InstitutionFactory(name="Gesamtschule Lindenpark", arbeitsfeld=ArbeitsfeldFactory(name="Schule"))
    person(school)
    agreement_service.set_partners(agreement, [institution, partner_institution, school], version(agreement))
    staff(agreement, coordinator)
    assert PrepGroupSeat.objects.filter(agreement=agreement, arbeitsfeld=school.arbeitsfeld).exists()

    current = Agreement.objects.get(pk=agreement.pk)
    agreement_service.set_partners(current, [institution, partner_institution], version(agreement))

    assert not PrepGroupSeat.objects.filter(agreement=agreement, arbeitsfeld=school.arbeitsfeld).exists()
    assert not BoardMember.objects.filter(agreement=agreement, institution=school).exists()
    assert not Subgroup.objects.filter(agreement=agreement, institution=school).exists()
    assert not Reflection.objects.filter(partner__agreement=agreement, partner__institution=school).exists()
    assert _structure(agreement).structure_missing() == []


def test_partner_page_warns_what_removing_a_partner_takes_away(client_for, agreement, coordinator):
    page = _page(client_for(coordinator).get(reverse("agreement_partners", args=[agreement.pk])))
    assert (
        "Wird ein Partner entfernt, entfallen auch seine Aufgaben und Rollen, seine Vertretung im "
        "Kooperationsgremium, seine Untergruppe mit ihren Antworten und seine interne Klärung." in page
    )


def test_removing_a_partner_whose_person_holds_its_fields_prep_seat(
    agreement, institution, partner_institution, coordinator
):
    """The field stays (another clinic), but its representative came from the removed one."""
    clinic_two = InstitutionFactory(name="Zweites Klinikum", arbeitsfeld=partner_institution.arbeitsfeld)
    first = person(partner_institution, first_name="Fritz")
    person(clinic_two, first_name="Zora")
    agreement_service.set_partners(agreement, [institution, partner_institution, clinic_two], version(agreement))
    service.set_prep_group(
        agreement, {institution.arbeitsfeld: coordinator, partner_institution.arbeitsfeld: first}, version(agreement)
    )
    agreement_service.set_partners(
        Agreement.objects.get(pk=agreement.pk), [institution, clinic_two], version(agreement)
    )
    assert _structure(agreement).prep_missing() == [
        f"{_name(first)} vertritt das Arbeitsfeld {partner_institution.arbeitsfeld.name}, gehört aber keiner "
        "Partnerinstitution dieses Arbeitsfelds mehr an."
    ]


# --- Untergruppen ---------------------------------------------------------------------------


def test_agreement_copies_the_whole_leitfragen_catalogue(agreement):
    catalogue = list(
        CatalogueEntry.objects.filter(kind=CatalogueKind.LEITFRAGE, is_active=True).order_by("position")
    ) + list(CatalogueEntry.objects.filter(kind=CatalogueKind.WEITERE_FRAGE, is_active=True).order_by("position"))
    questions = list(GuidingQuestion.objects.filter(agreement=agreement))
    assert [q.text for q in questions] == [e.text for e in catalogue]
    assert len(questions) == 11
    assert questions[0].text.startswith("Welche Haltung gegenüber drogenabhängigen Frauen mit Kindern")
    assert {q.kind for q in questions} == {QuestionKind.LEITFRAGE, QuestionKind.WEITERE_FRAGE}


def test_later_catalogue_edits_do_not_rewrite_the_agreements_questions(agreement):
    entry = CatalogueEntry.objects.filter(kind=CatalogueKind.LEITFRAGE).order_by("position").first()
    original = entry.text
    entry.text = "Eine ganz neue Frage?"
    entry.save()
    assert GuidingQuestion.objects.filter(agreement=agreement, text=original).exists()
    assert not GuidingQuestion.objects.filter(agreement=agreement, text="Eine ganz neue Frage?").exists()


def test_subgroups_per_institution_get_the_whole_catalogue(agreement, institution, partner_institution, coordinator):
    created = service.create_subgroups(agreement, SubgroupScope.INSTITUTION, coordinator)
    assert sorted(g.name for g in created) == ["Untergruppe JA", "Untergruppe KL"]
    for subgroup in created:
        assert subgroup.questions.count() == 11
        assert SubgroupAnswer.objects.filter(subgroup=subgroup, status=AnswerStatus.DRAFT).count() == 11
    assert service.create_subgroups(agreement, SubgroupScope.INSTITUTION, coordinator) == []


def test_subgroup_per_field_covers_every_institution_of_the_field(
    agreement, institution, partner_institution, coordinator
):
    clinic_two = InstitutionFactory(name="Zweites Klinikum", arbeitsfeld=partner_institution.arbeitsfeld)
    doctor = person(clinic_two, first_name="Doris")
    agreement_service.set_partners(agreement, [institution, partner_institution, clinic_two], version(agreement))
    created = service.create_subgroups(agreement, SubgroupScope.ARBEITSFELD, coordinator)
    assert len(created) == 2
    clinics = next(g for g in created if g.arbeitsfeld_id == partner_institution.arbeitsfeld_id)
    structure = _structure(agreement)
    assert structure.subgroup_institutions(clinics) == [partner_institution.pk, clinic_two.pk]
    assert doctor in structure.users_of(structure.subgroup_institutions(clinics))
    assert not [r for r in structure.subgroups_missing() if "gibt es noch keine Untergruppe" in r]


def test_subgroups_missing_names_partners_without_one_and_groups_without_members(
    agreement, institution, partner_institution, coordinator
):
    assert _structure(agreement).subgroups_missing() == [
        "Für „Jugendamt Teststadt“ gibt es noch keine Untergruppe.",
        "Für „Klinikum Teststadt“ gibt es noch keine Untergruppe.",
    ]
    service.create_subgroups(agreement, SubgroupScope.INSTITUTION, coordinator)
    assert _structure(agreement).subgroups_missing() == [
        "Die Untergruppe „Untergruppe JA“ hat noch keine Mitglieder.",
        "Die Untergruppe „Untergruppe KL“ hat noch keine Mitglieder.",
    ]


def test_subgroup_without_questions_is_missing_them(agreement, coordinator, partner_member):
    staff(agreement, coordinator)
    subgroup = Subgroup.objects.get(agreement=agreement, name="Untergruppe KL")
    service.update_subgroup(
        subgroup, name=subgroup.name, members=[partner_member], questions=[], expected_version=subgroup.version
    )
    assert _structure(agreement).subgroups_missing() == [
        "Der Untergruppe „Untergruppe KL“ sind noch keine Leitfragen zugewiesen."
    ]
    assert not SubgroupAnswer.objects.filter(subgroup=subgroup).exists()


def test_subgroup_member_who_left_the_institution_is_named(agreement, coordinator, member, partner_member):
    staff(agreement, coordinator)
    Membership.objects.filter(user=member).delete()
    assert _structure(agreement).subgroups_missing() == [
        f"{_name(member)} gehört nicht (mehr) zur Institution der Untergruppe „Untergruppe JA“."
    ]


def test_subgroup_form_refuses_a_member_of_another_institution(
    client_for, agreement, institution, coordinator, partner_member
):
    service.create_subgroups(agreement, SubgroupScope.INSTITUTION, coordinator)
    subgroup = Subgroup.objects.get(agreement=agreement, institution=institution)
    response = client_for(coordinator).post(
        reverse("subgroup_edit", args=[subgroup.pk]),
        {"name": subgroup.name, "version": subgroup.version, "members": [partner_member.pk, coordinator.pk]},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["members"] == [
        "Mitglieder einer Untergruppe kommen aus ihrer Institution (bzw. ihrem Arbeitsfeld)."
    ]
    assert not subgroup.members.exists()


def test_subgroup_form_sets_members_and_tells_them_by_email(
    client_for, agreement, institution, coordinator, member, django_capture_on_commit_callbacks
):
    service.create_subgroups(agreement, SubgroupScope.INSTITUTION, coordinator)
    subgroup = Subgroup.objects.get(agreement=agreement, institution=institution)
    questions = [q.pk for q in subgroup.questions.all()]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).post(
            reverse("subgroup_edit", args=[subgroup.pk]),
            {
                "name": "Untergruppe Jugendamt",
                "version": subgroup.version,
                "members": [member.pk],
                "questions": questions,
            },
        )
    assert response.status_code == 302
    subgroup.refresh_from_db()
    assert subgroup.name == "Untergruppe Jugendamt"
    assert list(subgroup.members.all()) == [member]
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert mail.outbox[0].subject == "Sie arbeiten in einer Untergruppe mit"
    assert f"/untergruppen/{subgroup.pk}/" in mail.outbox[0].body


def test_stale_subgroup_form_shows_both_versions_and_keeps_the_input(client_for, agreement, institution, coordinator):
    service.create_subgroups(agreement, SubgroupScope.INSTITUTION, coordinator)
    subgroup = Subgroup.objects.get(agreement=agreement, institution=institution)
    stale = {"name": "Meine Untergruppe", "version": subgroup.version, "members": [coordinator.pk]}
    client = client_for(coordinator)
    first = client.post(reverse("subgroup_edit", args=[subgroup.pk]), {**stale, "name": "Untergruppe der Kollegin"})
    assert first.status_code == 302
    response = client.post(reverse("subgroup_edit", args=[subgroup.pk]), stale)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Diese Angaben wurden gespeichert, während Sie sie bearbeitet haben." in page
    assert "Untergruppe der Kollegin" in page
    assert "Meine Untergruppe" in page
    subgroup.refresh_from_db()
    assert subgroup.name == "Untergruppe der Kollegin"


def test_coordinator_staffs_the_subgroup_of_another_partner(
    client_for, agreement, partner_institution, coordinator, partner_member
):
    service.create_subgroups(agreement, SubgroupScope.INSTITUTION, coordinator)
    subgroup = Subgroup.objects.get(agreement=agreement, institution=partner_institution)
    client = client_for(coordinator)
    form = client.get(reverse("subgroup_edit", args=[subgroup.pk])).context["form"]
    assert [u.pk for u in form.fields["members"].queryset] == [partner_member.pk]
    response = client.post(
        reverse("subgroup_edit", args=[subgroup.pk]),
        {"name": subgroup.name, "version": subgroup.version, "members": [partner_member.pk]},
    )
    assert response.status_code == 302
    assert list(subgroup.members.all()) == [partner_member]
    # Staffing, yes; the other partner's drafts, no.
    assert client.get(reverse("subgroup_work", args=[subgroup.pk])).status_code == 404


def test_subgroup_given_further_questions_tells_all_its_members(
    agreement, institution, coordinator, member, partner_member, django_capture_on_commit_callbacks
):
    staff(agreement, coordinator)
    subgroup = Subgroup.objects.get(agreement=agreement, institution=institution)
    questions = list(subgroup.questions.all())
    service.update_subgroup(
        subgroup, name=subgroup.name, members=[member], questions=questions[:3], expected_version=subgroup.version
    )
    subgroup.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        service.update_subgroup(
            subgroup,
            name=subgroup.name,
            members=[member, coordinator],
            questions=questions[:5],
            expected_version=subgroup.version,
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.email, coordinator.email])
    assert {m.subject for m in mail.outbox} == {"Neue Leitfragen für Ihre Untergruppe"}
    assert SubgroupAnswer.objects.filter(subgroup=subgroup).count() == 5
    assert questions[3].text not in mail.outbox[0].body


def test_coordinator_adds_an_own_question_to_chosen_subgroups(
    client_for, agreement, institution, coordinator, member, partner_member, django_capture_on_commit_callbacks
):
    staff(agreement, coordinator)
    mine = Subgroup.objects.get(agreement=agreement, institution=institution)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).post(
            reverse("structure_subgroups", args=[agreement.pk]),
            {
                "action": "question",
                "text": "Wie erreichen wir Väter?",
                "section": "zielgruppen",
                "subgroups": [mine.pk],
            },
            follow=True,
        )
    assert "Die Frage wurde hinzugefügt." in _page(response)
    question = GuidingQuestion.objects.get(agreement=agreement, text="Wie erreichen wir Väter?")
    assert question.kind == QuestionKind.EIGENE
    assert question.section == "zielgruppen"
    assert question.position == 11
    assert list(question.subgroups.all()) == [mine]
    assert SubgroupAnswer.objects.filter(question=question, subgroup=mine, status=AnswerStatus.DRAFT).exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coordinator.email, member.email])
    assert {m.subject for m in mail.outbox} == {"Neue Leitfrage für Ihre Untergruppe"}
    assert "Wie erreichen wir Väter?" not in mail.outbox[0].body


def test_subgroups_page_creates_the_missing_groups(client_for, agreement, coordinator):
    response = client_for(coordinator).post(
        reverse("structure_subgroups", args=[agreement.pk]), {"action": "create", "scope": "institution"}, follow=True
    )
    assert "2 Untergruppen angelegt; alle Leitfragen sind zugewiesen." in _page(response)
    assert Subgroup.objects.filter(agreement=agreement).count() == 2
    again = client_for(coordinator).post(
        reverse("structure_subgroups", args=[agreement.pk]), {"action": "create", "scope": "institution"}, follow=True
    )
    assert "Es fehlt keine Untergruppe; es wurde keine neue angelegt." in _page(again)


def test_subgroups_page_names_one_created_group_in_the_singular(
    client_for, agreement, institution, partner_institution, coordinator
):
    service.create_subgroups(agreement, SubgroupScope.INSTITUTION, coordinator)
    Subgroup.objects.filter(agreement=agreement, institution=partner_institution).delete()
    response = client_for(coordinator).post(
        reverse("structure_subgroups", args=[agreement.pk]), {"action": "create", "scope": "institution"}, follow=True
    )
    assert "1 Untergruppe angelegt; alle Leitfragen sind zugewiesen." in _page(response)


def test_subgroups_page_shows_tasks_members_and_counts(client_for, agreement, coordinator, member, partner_member):
    staff(agreement, coordinator)
    page = _page(client_for(member).get(reverse("structure_subgroups", args=[agreement.pk])))
    assert "Arbeit zu vorgegebenen Fragestellungen, einrichtungsintern" in page
    assert _name(partner_member) in page
    assert "0 / 11" in page
    assert "Dieser Schritt ist abgeschlossen." in page


# --- The guide: eight steps, what is done, what is missing, why a step is locked --------------


def test_guide_of_a_fresh_agreement(agreement, partner_institution, institution):
    steps = _structure(agreement).steps([])
    assert [s.title for s in steps] == STEP_TITLES
    assert [s.done for s in steps][:4] == [True, False, False, False]
    assert steps[1].locked == ""
    first_field = sorted(
        [institution.arbeitsfeld, partner_institution.arbeitsfeld], key=lambda f: (f.position, f.name)
    )[0]
    assert steps[2].locked == (
        "Gesperrt, bis Schritt 2 „Vorbereitungsgruppe“ abgeschlossen ist: Für das Arbeitsfeld "
        f"{first_field.name} fehlt noch eine Vertretung in der Vorbereitungsgruppe."
    )
    # Step 5 waits for step 4 (the nearest open one), not for the first open step.
    assert steps[4].locked.startswith("Gesperrt, bis Schritt 4 „Untergruppen“")
    assert steps[7].locked == "Gesperrt, bis alle Partner dem Text zugestimmt haben."


def test_guide_names_the_issues_example_reason(agreement, partner_institution, institution, coordinator):
    partner_institution.arbeitsfeld = ArbeitsfeldFactory(name="Medizinische Versorgung")
    partner_institution.save()
    service.set_prep_group(agreement, {institution.arbeitsfeld: coordinator}, version(agreement))
    steps = _structure(agreement).steps([])
    assert steps[2].locked == (
        "Gesperrt, bis Schritt 2 „Vorbereitungsgruppe“ abgeschlossen ist: Für das Arbeitsfeld Medizinische "
        "Versorgung fehlt noch eine Vertretung in der Vorbereitungsgruppe."
    )


def test_guide_with_a_single_partner_locks_everything_behind_step_one(coordinator, institution):
    lonely = agreement_service.create_agreement(
        coordinator, title="Allein", preamble="", coordinating_institution=institution, institutions=[]
    )
    steps = _structure(lonely).steps([])
    assert steps[0].missing == ["Eine Kooperation braucht mindestens zwei Partnerinstitutionen."]
    assert steps[1].locked == (
        "Gesperrt, bis Schritt 1 „Partner & Arbeitsfelder“ abgeschlossen ist: Eine Kooperation braucht mindestens "
        "zwei Partnerinstitutionen."
    )


def test_guide_of_a_staffed_draft_waits_for_the_work_to_begin(agreement, coordinator, partner_member):
    staff(agreement, coordinator)
    steps = _structure(agreement).steps(["Zielgruppen: Es ist noch keine Zielgruppe beschrieben."])
    assert [s.done for s in steps] == [True, True, True, True, False, False, False, False]
    assert steps[4].locked == "Die Untergruppen arbeiten, sobald die Erarbeitung begonnen hat."
    assert steps[5].locked == ""
    assert steps[6].locked == (
        "Gesperrt, bis Schritt 6 „Vereinbarungstext“ abgeschlossen ist: Zielgruppen: Es ist noch keine Zielgruppe "
        "beschrieben."
    )
    assert "Die Untergruppe „Untergruppe JA“ hat 11 Leitfragen noch nicht an das Gremium übergeben." in steps[4].missing


def test_guide_page_shows_progress_reasons_and_the_next_transition(client_for, agreement, coordinator, partner_member):
    client = client_for(coordinator)
    page = _page(client.get(reverse("agreement_guide", args=[agreement.pk])))
    assert "1 von 8 Schritten abgeschlossen" in page
    assert 'aria-valuenow="1"' in page
    assert "Noch nicht möglich:" in page
    staff(agreement, coordinator)
    page = _page(client.get(reverse("agreement_guide", args=[agreement.pk])))
    assert "4 von 8 Schritten abgeschlossen" in page
    assert "Die Untergruppen arbeiten, sobald die Erarbeitung begonnen hat." in page
    assert "Erarbeitung beginnen" in page
    assert "Noch nicht möglich:" not in page


def test_start_work_is_refused_with_the_reasons_while_the_structure_is_incomplete(
    client_for, agreement, coordinator, partner_institution
):
    response = client_for(coordinator).post(
        reverse("agreement_transition", args=[agreement.pk, "start_work"]), follow=True
    )
    assert (
        f"Für das Arbeitsfeld {partner_institution.arbeitsfeld.name} fehlt noch eine Vertretung in der "
        "Vorbereitungsgruppe." in _page(response)
    )
    assert Agreement.objects.get(pk=agreement.pk).status == Status.ENTWURF


def test_start_work_takes_a_valid_structure_into_the_work(client_for, agreement, coordinator, partner_member):
    staff(agreement, coordinator)
    response = client_for(coordinator).post(
        reverse("agreement_transition", args=[agreement.pk, "start_work"]), follow=True
    )
    assert "Die Vereinbarung hat jetzt den Status „In Erarbeitung“." in _page(response)
    assert Agreement.objects.get(pk=agreement.pk).status == Status.IN_ERARBEITUNG


def test_structure_cannot_change_once_the_text_is_in_approval(agreement, institution, coordinator):
    Agreement.objects.filter(pk=agreement.pk).update(status=Status.IN_ABSTIMMUNG)
    frozen = Agreement.objects.get(pk=agreement.pk)
    with pytest.raises(DomainError, match="eingefrorenen Revision"):
        service.set_board(frozen, {institution: [coordinator]}, frozen.version)
