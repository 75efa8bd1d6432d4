"""Comments on the sections of an agreement in work: threads, replies, erledigt, @-mentions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agreements.models import SectionComment
from kooperation.ops.models import OutgoingMail
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def comments_url(agreement, key="zielgruppen"):
    return reverse("agreement_comments", args=[agreement.pk, key])


@pytest.fixture
def partner_person(partner_institution):
    return MembershipFactory(
        institution=partner_institution, role="mitglied", user=UserFactory(first_name="Paula")
    ).user


def test_member_comments_and_mentions_a_partner_person(client_for, member, partner_person, outsider, agreement):
    response = client_for(member).post(
        comments_url(agreement),
        {"kommentar-text": "Fehlt hier nicht die Zielgruppe Eltern?", "kommentar-mentioned": [partner_person.pk]},
    )
    assert response.status_code == 302
    comment = SectionComment.objects.get()
    assert (comment.author, comment.section, list(comment.mentioned.all())) == (member, "zielgruppen", [partner_person])
    mail = OutgoingMail.objects.get(recipient=partner_person.email)
    assert mail.subject == "Sie wurden in einem Kommentar erwähnt"
    assert comments_url(agreement) in mail.body
    assert "Eltern" not in mail.body  # a subject line and a link, never the content


def test_only_people_of_partner_institutions_can_be_mentioned(client_for, member, outsider, agreement):
    response = client_for(member).post(
        comments_url(agreement), {"kommentar-text": "Hallo", "kommentar-mentioned": [outsider.pk]}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["mentioned"]
    assert not SectionComment.objects.exists()


def test_empty_comment_gets_a_german_field_error(client_for, member, agreement):
    response = client_for(member).post(comments_url(agreement), {"kommentar-text": ""})
    assert response.context["form"].errors["text"] == ["Dieses Feld ist zwingend erforderlich."]


def _thread(agreement, author, key="zielgruppen", text="Bitte ergänzen"):
    return SectionComment.objects.create(agreement=agreement, section=key, author=author, text=text)


def test_reply_notifies_the_thread_author(client_for, member, coordinator, agreement):
    thread = _thread(agreement, member)
    response = client_for(coordinator).post(reverse("comment_reply", args=[thread.pk]), {"antwort-text": "Mache ich."})
    assert response.status_code == 302
    assert thread.replies.get().text == "Mache ich."
    assert OutgoingMail.objects.filter(recipient=member.email, subject="Antwort auf Ihren Kommentar").exists()
    assert "Mache ich." in client_for(member).get(comments_url(agreement)).content.decode()


def test_author_marks_the_thread_erledigt_and_it_leaves_the_open_lists(client_for, member, coordinator, agreement):
    thread = _thread(agreement, member)
    detail = client_for(coordinator).get(agreement.get_absolute_url()).content.decode()
    assert "1 offen" in detail
    assert client_for(member).post(reverse("comment_resolve", args=[thread.pk])).status_code == 302
    thread.refresh_from_db()
    assert thread.resolved_by == member
    assert "1 offen" not in client_for(coordinator).get(agreement.get_absolute_url()).content.decode()


def test_another_member_may_not_resolve_someone_elses_thread(client_for, member, leader_user, agreement):
    thread = _thread(agreement, member)
    response = client_for(leader_user).post(reverse("comment_resolve", args=[thread.pk]))
    assert response.status_code == 403
    assert "Als erledigt markiert, wer den Kommentar geschrieben hat" in response.content.decode()


def test_koordination_sees_open_comments_while_editing_the_section(client_for, member, coordinator, agreement):
    _thread(agreement, member, text="Zielgruppe Eltern fehlt")
    _thread(agreement, member, key="ziele", text="Ziel ist unklar")
    page = client_for(coordinator).get(reverse("agreement_section", args=[agreement.pk, "zielgruppen"]))
    content = page.content.decode()
    assert "Zielgruppe Eltern fehlt" in content
    assert "Ziel ist unklar" not in content


def test_the_approval_round_shows_unresolved_comments(client_for, member, coordinator, agreement):
    _thread(agreement, member, text="Noch offen: Datenschutz")
    resolved = _thread(agreement, member, text="Schon geklärt")
    client_for(member).post(reverse("comment_resolve", args=[resolved.pk]))
    content = client_for(coordinator).get(reverse("agreement_approval", args=[agreement.pk])).content.decode()
    assert "Noch offen: Datenschutz" in content
    assert "Schon geklärt" not in content


def test_comments_end_when_the_text_goes_to_signing(client_for, member, agreement):
    agreement.status = "zur_unterzeichnung"
    agreement.save(update_fields=["status"])
    response = client_for(member).post(comments_url(agreement), {"kommentar-text": "Zu spät"})
    assert response.status_code == 403
    assert "Kommentiert wird, solange die Vereinbarung erarbeitet oder abgestimmt wird" in response.content.decode()


def test_unknown_section_is_404(client_for, member, agreement):
    assert client_for(member).get(comments_url(agreement, "gibt-es-nicht")).status_code == 404


@pytest.mark.parametrize("threads", [1, 5])
def test_comment_page_queries_stay_fixed(
    client_for, member, coordinator, agreement, threads, django_assert_num_queries
):
    for i in range(threads):
        thread = _thread(agreement, member, text=f"Punkt {i}")
        SectionComment.objects.create(
            agreement=agreement, section="zielgruppen", author=coordinator, text="Antwort", parent=thread
        )
    client = client_for(member)
    with django_assert_num_queries(13):
        assert client.get(comments_url(agreement)).status_code == 200
