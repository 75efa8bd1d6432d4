"""Starting from something: an agreement from a Vorlage, as a copy, and choosing the Leitfragen for the subgroups."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agreements.models import (
    Agreement,
    AgreementTemplate,
    ApprovalRound,
    BoardMember,
    CatalogueEntry,
    CatalogueKind,
    DataProtection,
    Goal,
    GuidingQuestion,
    SectionComment,
    Signature,
    Status,
    Subgroup,
    TargetGroup,
)
from tests.signing_data import approved, institutions, party, release, sign

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _leitfragen(count: int) -> list[CatalogueEntry]:
    return list(
        CatalogueEntry.objects.filter(kind=CatalogueKind.LEITFRAGE, is_active=True).order_by("position")[:count]
    )


def test_agreement_from_a_template_takes_its_sections_and_only_its_leitfragen(
    client_for, coordinator, institution, partner_institution
):
    chosen = _leitfragen(2)
    template = AgreementTemplate.objects.create(
        name="Frühe Hilfen",
        title="Kooperation Frühe Hilfen",
        preamble="Gemeinsam für Familien mit kleinen Kindern.",
        target_groups="Schwangere mit Suchtproblematik\n\nFamilien mit Säuglingen\n",
        goals="Frühe Anbindung an das Hilfesystem",
    )
    template.questions.set(chosen)

    response = client_for(coordinator).post(
        reverse("agreement_create"),
        {
            "start": "vorlage",
            "template": template.pk,
            "coordinating_institution": institution.pk,
            "partners": [partner_institution.pk],
        },
    )

    agreement = Agreement.objects.get()
    assert response["Location"] == agreement.get_absolute_url()
    # An empty title and preamble take the template's.
    assert (agreement.title, agreement.preamble) == (
        "Kooperation Frühe Hilfen",
        "Gemeinsam für Familien mit kleinen Kindern.",
    )
    assert list(TargetGroup.objects.filter(agreement=agreement).values_list("name", flat=True)) == [
        "Schwangere mit Suchtproblematik",
        "Familien mit Säuglingen",
    ]
    assert list(Goal.objects.filter(agreement=agreement).values_list("text", flat=True)) == [
        "Frühe Anbindung an das Hilfesystem"
    ]
    leitfragen = GuidingQuestion.objects.filter(agreement=agreement, kind=CatalogueKind.LEITFRAGE)
    assert sorted(leitfragen.values_list("text", flat=True)) == sorted(q.text for q in chosen)
    assert agreement.status == Status.ENTWURF


def test_template_without_a_choice_must_be_picked(client_for, coordinator, institution):
    response = client_for(coordinator).post(
        reverse("agreement_create"), {"start": "vorlage", "coordinating_institution": institution.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["template"] == ["Bitte eine Vorlage wählen."]
    assert not Agreement.objects.exists()


@pytest.fixture
def signed_source(db):
    """An agreement with a signature, a comment, board seats and an approval round: what a copy leaves behind."""
    parties = [party(i) for i in institutions(2, prefix="Quellträger")]
    source = approved(parties, title="Kooperation Südstadt")
    release(source, parties[0].koordination)
    sign(source, parties[0])
    GuidingQuestion.objects.create(agreement=source, kind=CatalogueKind.LEITFRAGE, text="Wer ruft wen an?", position=99)
    SectionComment.objects.create(
        agreement=source, section="zielgruppen", author=parties[0].koordination, text="Passt so."
    )
    return source, parties


def test_copy_takes_text_and_leitfragen_but_no_signatures_history_or_comments(client_for, signed_source):
    source, parties = signed_source
    coordinator = parties[0].koordination
    response = client_for(coordinator).post(
        reverse("agreement_create"),
        {
            "start": "kopie",
            "source": source.pk,
            "coordinating_institution": parties[0].institution.pk,
            "partners": [parties[1].institution.pk],
        },
    )

    copy = Agreement.objects.exclude(pk=source.pk).get()
    assert response["Location"] == copy.get_absolute_url()
    assert copy.title == "Kooperation Südstadt (Kopie)"
    assert (copy.status, copy.revision) == (Status.ENTWURF, 0)
    # The text ...
    assert list(TargetGroup.objects.filter(agreement=copy).values_list("name", flat=True)) == [
        "Schwangere mit Suchtproblematik"
    ]
    assert list(Goal.objects.filter(agreement=copy).values_list("text", flat=True)) == [
        "Die Basisversorgung der Kinder ist gesichert."
    ]
    assert DataProtection.objects.get(agreement=copy).principles == "Es gilt das Sozialgeheimnis nach § 35 SGB I."
    # ... and the Leitfragen, the agreement's own ones included.
    assert sorted(GuidingQuestion.objects.filter(agreement=copy).values_list("text", flat=True)) == sorted(
        GuidingQuestion.objects.filter(agreement=source).values_list("text", flat=True)
    )
    # Not the history, the decisions, the staffing, the comments or signatures of the original.
    assert not copy.status_changes.exists()
    assert not ApprovalRound.objects.filter(agreement=copy).exists()
    assert not BoardMember.objects.filter(agreement=copy).exists()
    assert not Subgroup.objects.filter(agreement=copy).exists()
    assert not SectionComment.objects.filter(agreement=copy).exists()
    assert not Signature.objects.filter(agreement=copy).exists()
    # The original stays as it was.
    assert Agreement.objects.get(pk=source.pk).status == Status.ZUR_UNTERZEICHNUNG
    assert Signature.objects.filter(agreement=source).count() == 1
    assert SectionComment.objects.filter(agreement=source).count() == 1


def test_copy_only_of_an_agreement_the_user_sees(client_for, outsider, other_institution, agreement):
    response = client_for(outsider).post(
        reverse("agreement_create"),
        {"start": "kopie", "source": agreement.pk, "coordinating_institution": other_institution.pk},
    )
    assert response.status_code == 200
    assert "source" in response.context["form"].errors
    assert Agreement.objects.count() == 1


# --- Leitfragen chosen when the subgroups are set up -----------------------------------------


def _create(client, agreement, questions):
    return client.post(
        reverse("structure_subgroups", args=[agreement.pk]),
        {"action": "create", "scope": "institution", "questions_shown": "True", "questions": questions},
        follow=True,
    )


def test_subgroups_get_only_the_ticked_leitfragen_and_the_message_says_so(client_for, agreement, coordinator):
    questions = list(GuidingQuestion.objects.filter(agreement=agreement))
    ticked = [q.pk for q in questions[:3]]

    response = _create(client_for(coordinator), agreement, ticked)

    assert f"2 Untergruppen angelegt; 3 von {len(questions)} Leitfragen sind zugewiesen." in _messages(response)
    for subgroup in Subgroup.objects.filter(agreement=agreement):
        assert sorted(subgroup.questions.values_list("pk", flat=True)) == sorted(ticked)


def test_one_ticked_leitfrage_is_named_in_the_singular(client_for, agreement, coordinator):
    total = GuidingQuestion.objects.filter(agreement=agreement).count()
    first = GuidingQuestion.objects.filter(agreement=agreement).first()
    response = _create(client_for(coordinator), agreement, [first.pk])
    assert f"2 Untergruppen angelegt; 1 von {total} Leitfragen ist zugewiesen." in _messages(response)


def test_no_ticked_leitfrage_says_none_is_assigned(client_for, agreement, coordinator):
    response = _create(client_for(coordinator), agreement, [])
    assert "2 Untergruppen angelegt; noch keine Leitfrage zugewiesen – bitte beim Besetzen Fragen wählen." in _messages(
        response
    )
    assert not Subgroup.objects.filter(agreement=agreement, questions__isnull=False).exists()


def test_every_leitfrage_ticked_says_all(client_for, agreement, coordinator):
    ticked = list(GuidingQuestion.objects.filter(agreement=agreement).values_list("pk", flat=True))
    response = _create(client_for(coordinator), agreement, ticked)
    assert "2 Untergruppen angelegt; alle Leitfragen sind zugewiesen." in _messages(response)


def test_a_leitfrage_of_another_agreement_is_refused_at_the_field(client_for, agreement, coordinator, institution):
    foreign = GuidingQuestion.objects.create(
        agreement=Agreement.objects.create(title="Fremd", coordinating_institution=institution, created_by=coordinator),
        kind=CatalogueKind.LEITFRAGE,
        text="Fremde Frage",
        position=0,
    )
    response = _create(client_for(coordinator), agreement, [foreign.pk])
    assert response.status_code == 200
    assert "questions" in response.context["create_form"].errors
    assert not Subgroup.objects.filter(agreement=agreement).exists()
