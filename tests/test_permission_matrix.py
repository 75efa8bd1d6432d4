"""Every URL of the project × every role: who gets the page, who is sent away, who is refused.

How to add a URL
----------------
Add an entry to ``MATRIX`` keyed by the URL name (``"namespace:name"`` for namespaced
URLs). An entry is a ``Case`` or a list of ``Case``\\ s (one per situation, e.g. an
active and a deactivated institution), each with:

- ``kwargs``: a function receiving ``fixture(name)`` (pytest's ``getfixturevalue``) and
  returning the URL kwargs, e.g. ``lambda fixture: {"pk": fixture("institution").pk}``.
  It may also change the data first (see ``_inactive_institution``). The roles' own
  fixtures (``member``, ``coordinator``, ``leader_user`` for Leitung, ``caseworker`` for
  Fachkraft) belong to ``institution``; ``outsider`` is Koordination of
  ``other_institution``; ``admin_user`` holds no membership;
  ``colleague`` is a Mitglied of ``institution`` like ``member`` but never on a case team
  (need-to-know: same institution, not on the team → 404 for case data). The case builders
  put ``member`` and ``caseworker`` on the team (``_on_team``); Leitung is not on it.
- ``get``: the expected answer to GET per role (see ``ROLES``); ``LOGIN`` means a
  redirect to the login page.
- ``post``: the same for POST (with ``post_data``), for views that change data. A
  POST-only view has ``get=POST_ONLY`` (405 for everyone signed in).

The shortcuts ``signed_in(...)``, ``admin_only(...)`` and ``public(...)`` build the
usual expectation dicts. ``test_every_url_is_in_the_matrix`` fails for any URL name
without an entry, so a new view cannot ship without its access rules being pinned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from agreements.models import (
    Agreement,
    AgreementAttachment,
    AgreementTemplate,
    BoardMember,
    QualityDimension,
    SectionComment,
    Signature,
    Subgroup,
    SubgroupAnswer,
)
from agreements.services.quality import open_dialogue
from agreements.services.structure import create_subgroups
from conferences.models import Case as HelpCase
from conferences.models import CaseAttachment, Conference, Consent, Meeting, MeetingAttachment, Task
from kooperation.network import invitations
from kooperation.network.models import Institution, Invitation, User
from kooperation.ops.models import MailStatus, Notification, OutgoingMail
from tests import conference_fixtures as conferences
from tests import conftest
from tests.conference_fixtures import join_team
from tests.shared_data import built_once

pytestmark = pytest.mark.django_db

LOGIN = "login"  # expected: 302 to the login page
HX_REQUEST = {"HX-Request": "true"}  # htmx fragments answer only htmx; a plain visit goes to the page

# role name -> fixture providing the user (None: not signed in)
ROLES = {
    "anonymous": None,
    "outsider": "outsider",
    "member": "member",
    "colleague": "colleague",
    "coordinator": "coordinator",
    "leader": "leader_user",  # Leitung of `institution`
    "caseworker": "caseworker",  # Fachkraft of `institution`
    "admin": "admin_user",
}

Expectation = dict[str, int | str]
Fixture = Callable[[str], object]


def signed_in(status: int = 200, **overrides: int) -> Expectation:
    """Anonymous users are sent to the login page; every signed-in role gets `status`."""
    expected: Expectation = dict.fromkeys(ROLES, status)
    expected["anonymous"] = LOGIN
    expected.update(overrides)
    expected.setdefault("colleague", expected["member"])
    return expected


def admin_only(status: int = 200, refused: int = 403) -> Expectation:
    """Only Administration passes; the other signed-in roles are refused."""
    return signed_in(refused, admin=status)


def public(status: int = 200, **overrides: int | str) -> Expectation:
    """Everybody, signed in or not, gets `status`."""
    expected: Expectation = dict.fromkeys(ROLES, status)
    expected.update(overrides)
    expected["colleague"] = overrides.get("colleague", expected["member"])
    return expected


# LoginRequiredMiddleware sends anonymous users to the login page before a view can answer 405.
POST_ONLY = public(405, anonymous=LOGIN)


@dataclass(frozen=True)
class Case:
    kwargs: Callable[[Fixture], dict] = lambda fixture: {}
    get: Expectation = field(default_factory=dict)
    post: Expectation | None = None
    post_data: dict = field(default_factory=dict)
    label: str = ""
    headers: dict = field(default_factory=dict)  # e.g. HX_REQUEST for htmx fragments


def _institution(fixture: Fixture) -> dict:
    return {"pk": fixture("institution").pk}


def _inactive_institution(fixture: Fixture) -> dict:
    institution = fixture("institution")
    institution.is_active = False
    institution.save(update_fields=["is_active"])
    return {"pk": institution.pk}


def _arbeitsfeld(fixture: Fixture) -> dict:
    return {"pk": fixture("institution").arbeitsfeld_id}


def _account(fixture: Fixture) -> dict:
    """A Fachkraft account of `institution`, edited by Administration."""
    return {"pk": fixture("caseworker").pk}


def _failed_mail(fixture: Fixture) -> dict:
    mail = OutgoingMail.objects.create(
        recipient="x@example.org", subject="Test", body="Text", status=MailStatus.FAILED, last_error="refused"
    )
    return {"pk": mail.pk}


def _members_notification(fixture: Fixture) -> dict:
    """A notification in `member`'s bell (nobody else's)."""
    return {"pk": Notification.objects.create(user=fixture("member"), subject="Test", path="/").pk}


def _reset_token(fixture: Fixture) -> dict:
    account = fixture("caseworker")
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(account.pk)),
        "token": default_token_generator.make_token(account),
    }


def _invitation_token(fixture: Fixture) -> dict:
    """A fresh invitation of a new account (a new token for each request, so no role uses up another's)."""
    account = User.objects.create_user(f"eingeladen{User.objects.count()}@test.example")
    token = "matrix-token"
    Invitation.objects.create(
        user=account,
        token_hash=invitations.hash_token(token),
        expires_at=timezone.now() + timedelta(days=1),
    )
    return {"uidb64": urlsafe_base64_encode(force_bytes(account.pk)), "token": token}


def _agreement(fixture: Fixture) -> dict:
    return {"pk": fixture("agreement").pk}


def _partner_person(fixture: Fixture) -> dict:
    return {"pk": fixture("agreement").pk, "institution_pk": fixture("partner_institution").pk}


def _person_request(fixture: Fixture) -> dict:
    """`coordinator` asked for a Leitung of the partner institution; its Koordination (none) or Administration
    decides, so the asking coordinator sees the request but may not decide it."""
    account = User.objects.create_user(f"angefragt{User.objects.count()}@test.example", is_active=False)
    invitation = Invitation.objects.create(
        user=account,
        status=Invitation.Status.REQUESTED,
        institution=fixture("partner_institution"),
        role="leitung",
        purpose="Leitung – Kooperationsvereinbarung Teststadt",
        invited_by=fixture("coordinator"),
    )
    return {"pk": invitation.pk}


def _agreement_section(fixture: Fixture) -> dict:
    return {"pk": fixture("agreement").pk, "key": "zielgruppen"}


def _frozen_agreement(fixture: Fixture) -> dict:
    agreement = fixture("agreement")
    agreement.status = "in_kraft"
    agreement.save(update_fields=["status"])
    return {"pk": agreement.pk}


def _signature_with_file(fixture: Fixture) -> dict:
    from django.core.files.base import ContentFile

    agreement = fixture("agreement")
    signature = Signature(
        agreement=agreement,
        institution=fixture("institution"),
        signer_name="Lea Leitung",
        signer_function="Amtsleitung",
        signed_on="2026-11-02",
        place="Teststadt",
        method="scan",
        recorded_by=fixture("coordinator"),
    )
    signature.file.save("seite.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    return {"pk": signature.pk}


def _dialogue(fixture: Fixture):
    return open_dialogue(fixture("coordinator"), fixture("agreement"), 2026)


def _dimension(fixture: Fixture) -> dict:
    return {"pk": QualityDimension.objects.first().pk}


def _own_assessment(fixture: Fixture) -> dict:
    return {"pk": _dialogue(fixture).pk, "institution_pk": fixture("institution").pk}


def _in_signing(fixture: Fixture) -> dict:
    """The agreement released for signing (status set directly, as the other fixtures here do)."""
    agreement = fixture("agreement")
    agreement.status = "zur_unterzeichnung"
    agreement.save(update_fields=["status"])
    return {"pk": agreement.pk}


def _recorded_signature(fixture: Fixture) -> dict:
    """A signature recorded by `coordinator` (Koordination of the coordinating institution) while signing runs."""
    pk = _in_signing(fixture)["pk"]
    signature = Signature.objects.create(
        agreement_id=pk,
        institution=fixture("partner_institution"),
        signer_name="Prof. Dr. Martin Weiß",
        signer_function="Ärztlicher Direktor",
        signed_on=date(2026, 11, 2),
        place="Teststadt",
        method="scan",
        recorded_by=fixture("coordinator"),
        received_on_paper=True,
    )
    return {"pk": signature.pk}


def _start_work(fixture: Fixture) -> dict:
    return {"pk": fixture("agreement").pk, "name": "start_work"}


def _subgroup(fixture: Fixture) -> dict:
    """The subgroup of `institution` (where member and coordinator work); admin is no insider."""
    agreement = fixture("agreement")
    create_subgroups(agreement, "institution", fixture("coordinator"))
    return {"pk": Subgroup.objects.get(agreement=agreement, institution=fixture("institution")).pk}


def _answer(fixture: Fixture) -> dict:
    subgroup = _subgroup(fixture)["pk"]
    return {"pk": SubgroupAnswer.objects.filter(subgroup_id=subgroup).first().pk}


def _partners_subgroup(fixture: Fixture) -> dict:
    """The subgroup of `partner_institution`: member and coordinator of `institution` are partners, not insiders."""
    agreement = fixture("agreement")
    create_subgroups(agreement, "institution", fixture("coordinator"))
    return {"pk": Subgroup.objects.get(agreement=agreement, institution=fixture("partner_institution")).pk}


def _partners_answer(fixture: Fixture) -> dict:
    return {"pk": SubgroupAnswer.objects.filter(subgroup_id=_partners_subgroup(fixture)["pk"]).first().pk}


def _other_partner(fixture: Fixture) -> dict:
    agreement = fixture("agreement")
    return {"pk": agreement.pk, "partner_pk": agreement.partners.get(institution=fixture("partner_institution")).pk}


def _own_partner(fixture: Fixture) -> dict:
    agreement = fixture("agreement")
    return {"pk": agreement.pk, "partner_pk": agreement.partners.get(institution=fixture("institution")).pk}


def _scoped(inside: int | str, admin: int | str, **roles: int | str) -> Expectation:
    """Anonymous to the login page, the outsider 404, `institution`'s roles `inside` unless overridden."""
    expected: Expectation = dict.fromkeys(ROLES, inside)
    expected.update(anonymous=LOGIN, outsider=404, admin=admin)
    expected.update(roles)
    return expected


def insiders(member: int = 200, coordinator: int = 200, **roles: int) -> Expectation:
    """Drafts of a subgroup or partner: only its institution's users; everybody else gets 404.

    Leitung and Fachkraft are insiders with the rights of a Mitglied unless overridden.
    """
    return _scoped(member, 404, coordinator=coordinator, **roles)


def partners(status: int = 200, refused: int = 403) -> Expectation:
    """Agreements: outsiders never learn they exist; partners' Koordination may edit."""
    return _scoped(refused, refused, coordinator=status)


def partners_read(status: int = 200) -> Expectation:
    return _scoped(status, status)


# Cases and conferences: outsiders, Administration (no membership) and colleagues off the case
# team never learn a case exists; Fachkraft and Koordination on the team document, its other
# members (the Mitglied `member`) read.
def case_read(status: int = 200) -> Expectation:
    return _scoped(status, 404, colleague=404, leader=404)


def case_write(status: int = 200, refused: int = 403, **roles: int) -> Expectation:
    return _scoped(
        refused, 404, **{"colleague": 404, "leader": 404, "coordinator": status, "caseworker": status, **roles}
    )


def case_manage(status: int = 200) -> Expectation:
    """Team, Abschluss, Löschsperre, Auskunft, access log: the owning institution's Koordination."""
    return case_write(status, caseworker=403)


def _on_team(fixture: Fixture, case):
    """`member` and `caseworker` work on the case; `colleague` and Leitung (same institution) do not."""
    join_team(case, fixture("member"))
    join_team(case, fixture("caseworker"))
    return case


def _case(fixture: Fixture) -> dict:
    return {"pk": _on_team(fixture, fixture("help_case")).pk}


def _case_without_consent(fixture: Fixture) -> dict:
    return {"pk": _on_team(fixture, fixture("case_without_consent")).pk}


def _consent(fixture: Fixture) -> dict:
    consent = fixture("consent")
    _on_team(fixture, consent.case)
    return {"pk": consent.pk}


def _conference(fixture: Fixture) -> dict:
    conference = fixture("conference")
    _on_team(fixture, conference.case)
    return {"pk": conference.pk}


def _final_conference(fixture: Fixture) -> dict:
    conference = fixture("final_conference")
    _on_team(fixture, conference.case)
    return {"pk": conference.pk}


def _conference_row(fixture: Fixture) -> dict:
    return {**_conference(fixture), "kind": "aufgaben"}


def _team_member(fixture: Fixture) -> dict:
    case = _on_team(fixture, fixture("help_case"))
    return {"pk": case.pk, "member_pk": case.team_members.get(user=fixture("member")).pk}


def _institution_log() -> Expectation:
    """The institution's access log: its Koordination and Administration; other institutions 404."""
    return signed_in(403, outsider=404, coordinator=200, admin=200)


def _meeting(fixture: Fixture) -> dict:
    return {"pk": fixture("meeting").pk}


def _final_meeting(fixture: Fixture) -> dict:
    return {"pk": fixture("final_meeting").pk}


def _meeting_row(fixture: Fixture) -> dict:
    return {"pk": fixture("meeting").pk, "kind": "tagesordnung"}


def _subgroup_meeting(fixture: Fixture, final: bool = False) -> dict:
    """A Sitzung of `institution`'s Untergruppe (member `member`), recorded by the Fachkraft; Leitung sits
    in the Gremium; the Koordination is a partner outside both."""
    agreement = fixture("agreement")
    subgroup = Subgroup.objects.create(
        agreement=agreement, name="Untergruppe Jugendamt", institution=fixture("institution")
    )
    subgroup.members.add(fixture("member"))
    BoardMember.objects.create(agreement=agreement, institution=fixture("institution"), user=fixture("leader_user"))
    meeting = conferences.make_meeting(agreement, fixture("caseworker"))
    meeting.body, meeting.subgroup = "untergruppe", subgroup
    meeting.save(update_fields=["body", "subgroup"])
    if final:
        conferences.make_final_meeting(meeting, fixture("caseworker"), fixture("institution"))
    return {"pk": meeting.pk}


def _subgroup_minutes() -> Expectation:
    """An Untergruppe's minutes: its members, the Gremium and the Protokollführung; other partners 404."""
    return _scoped(200, 404, coordinator=404, colleague=404)


# Working together (issue 15): Anlagen and comments -------------------------------------------------


def _pdf_file():
    from django.core.files.base import ContentFile

    return ContentFile(b"%PDF-1.7 test", name="anlage.pdf")


def _attachment_fields(fixture: Fixture) -> dict:
    return {
        "name": "anlage.pdf",
        "extension": "pdf",
        "size": 13,
        "sha256": "0" * 64,
        "uploaded_by": fixture("coordinator"),
    }


def _agreement_attachment(fixture: Fixture) -> dict:
    """An Anlage of `agreement` uploaded by `coordinator`."""
    attachment = AgreementAttachment(agreement=fixture("agreement"), **_attachment_fields(fixture))
    attachment.file.save("anlage.pdf", _pdf_file(), save=True)
    return {"pk": attachment.pk}


def _meeting_attachment(fixture: Fixture) -> dict:
    attachment = MeetingAttachment(meeting=fixture("meeting"), **_attachment_fields(fixture))
    attachment.file.save("anlage.pdf", _pdf_file(), save=True)
    return {"pk": attachment.pk}


def _case_attachment(fixture: Fixture) -> dict:
    case = _on_team(fixture, fixture("help_case"))
    attachment = CaseAttachment(case=case, **_attachment_fields(fixture))
    attachment.file.save("anlage.pdf", _pdf_file(), save=True)
    return {"pk": attachment.pk}


def _comment(fixture: Fixture) -> dict:
    """An open comment by `coordinator` on the Zielgruppen of `agreement`."""
    comment = SectionComment.objects.create(
        agreement=fixture("agreement"), section="zielgruppen", author=fixture("coordinator"), text="Bitte ergänzen"
    )
    return {"pk": comment.pk}


def _template(fixture: Fixture) -> dict:
    return {"pk": AgreementTemplate.objects.create(name="Frühe Hilfen", title="Kooperation Frühe Hilfen").pk}


def partner_members(status: int = 200) -> Expectation:
    """Every user of a partner institution (all roles); Administration sees, but is no partner."""
    return _scoped(status, 403)


def _task(fixture: Fixture) -> dict:
    task = fixture("task")
    _on_team(fixture, task.case)
    return {"pk": task.pk}


MATRIX: dict[str, Case | list[Case]] = {
    # Accounts (public pages; login sends signed-in users on to the dashboard).
    "login": Case(get=public(302, anonymous=200)),
    "logout": Case(get=POST_ONLY, post=public(302)),
    # Without a password step in this session the code step sends everybody back to the login form.
    "login_code": Case(get=public(302), post=public(302), post_data={"code": "123456"}),
    "two_factor": Case(get=signed_in()),
    # Reachable between password and code step, so not behind the login; without that step: back to login.
    "two_factor_enrol": Case(get=public(200, anonymous=302), post=public(200, anonymous=302)),
    "two_factor_backup_codes": Case(get=POST_ONLY, post=signed_in(302)),
    "two_factor_remove": Case(get=POST_ONLY, post=signed_in(302), post_data={"code": "123456"}),
    "password_change": Case(get=signed_in(), post=signed_in()),
    "password_change_done": Case(get=signed_in()),
    "password_reset": Case(get=public()),
    "password_reset_done": Case(get=public()),
    # A valid link redirects to the page that hides the token from the address bar. The link is
    # the Fachkraft's own: signing in changes last_login, which invalidates it (200: "link invalid").
    "password_reset_confirm": Case(kwargs=_reset_token, get=public(302, caseworker=200)),
    "password_reset_complete": Case(get=public()),
    "set_language": Case(get=public(302), post=public(302), post_data={"language": "en", "next": "/"}),
    # Health checks for the load balancer: no login; GET/HEAD only.
    "health_live": Case(get=public(), post=public(405)),
    "health_ready": Case(get=public(), post=public(405)),
    # Start page and network directory.
    "dashboard": Case(get=signed_in()),
    "institution_list": Case(get=signed_in()),
    "institution_search": Case(get=signed_in()),
    # Suche: every signed-in role; what each finds is its own scope (tests/test_search.py). Read-only.
    "search": Case(get=signed_in(), post=signed_in(405)),
    "network_picture": Case(get=signed_in()),
    # An institution's Nachweis: its own Koordination/Leitung and Administration only.
    "evidence_report": Case(kwargs=_institution, get=signed_in(403, coordinator=200, leader=200, admin=200)),
    "evidence_pdf": Case(kwargs=_institution, get=signed_in(403, coordinator=200, leader=200, admin=200)),
    "evidence_csv": Case(kwargs=_institution, get=signed_in(403, coordinator=200, leader=200, admin=200)),
    "institution_create": Case(get=admin_only(), post=admin_only()),
    "institution_detail": [
        Case(kwargs=_institution, get=signed_in(), label="active"),
        Case(kwargs=_inactive_institution, get=admin_only(refused=404), label="inactive"),
    ],
    "institution_edit": [
        Case(kwargs=_institution, get=admin_only(), post=admin_only(), label="active"),
        Case(kwargs=_inactive_institution, get=admin_only(refused=404), label="inactive"),
    ],
    "institution_deactivate": Case(kwargs=_institution, get=POST_ONLY, post=admin_only(302)),
    "institution_activate": Case(kwargs=_inactive_institution, get=POST_ONLY, post=admin_only(302, refused=404)),
    "institution_contacts": [
        Case(
            kwargs=_institution,
            get=signed_in(403, coordinator=200, admin=200),
            post=signed_in(403, coordinator=200, admin=200),
            label="active",
        ),
        Case(kwargs=_inactive_institution, get=admin_only(refused=404), label="inactive"),
    ],
    "institution_offers": [
        Case(
            kwargs=_institution,
            get=signed_in(403, coordinator=200, admin=200),
            post=signed_in(403, coordinator=200, admin=200),
            label="active",
        ),
        Case(kwargs=_inactive_institution, get=admin_only(refused=404), label="inactive"),
    ],
    "institution_leaders": Case(kwargs=_institution, get=admin_only(), post=admin_only()),
    # Administration (/verwaltung/).
    "arbeitsfeld_list": Case(get=admin_only()),
    "arbeitsfeld_create": Case(get=admin_only(), post=admin_only()),
    "arbeitsfeld_edit": Case(kwargs=_arbeitsfeld, get=admin_only(), post=admin_only()),
    "user_list": Case(get=admin_only()),
    "user_create": Case(get=admin_only(), post=admin_only()),
    "user_edit": Case(kwargs=_account, get=admin_only(), post=admin_only()),
    "user_deactivate": Case(kwargs=_account, get=POST_ONLY, post=admin_only(302)),
    "user_activate": Case(kwargs=_account, get=POST_ONLY, post=admin_only(302)),
    "user_invite": Case(kwargs=_account, get=POST_ONLY, post=admin_only(302)),
    "mail_list": Case(get=admin_only()),
    "mail_resend": Case(kwargs=_failed_mail, get=POST_ONLY, post=admin_only(302)),
    "user_unlock": Case(kwargs=_account, get=POST_ONLY, post=admin_only(302)),
    "user_reset_second_factor": Case(
        kwargs=_account, get=POST_ONLY, post=admin_only(302), post_data={"reason": "Telefon verloren, bestätigt"}
    ),
    "security_log": Case(get=admin_only()),
    "security_log_export": Case(get=admin_only()),
    # Invitations (issue 15): the link is public (its token is the key); bulk sending is Administration's.
    "invitation_accept": Case(kwargs=_invitation_token, get=public(), post=public(200)),
    "user_invite_bulk": Case(get=POST_ONLY, post=admin_only(302), post_data={"accounts": ["1"]}),
    # A person a partner lacks: asked for by the agreement's Koordination, decided by that partner's Koordination
    # or Administration; the one who asked sees the request (403 on deciding), nobody else learns of it.
    "agreement_person_request": Case(kwargs=_partner_person, get=partners(), post=partners()),
    "invitation_request_list": Case(get=signed_in()),
    "invitation_request": Case(
        kwargs=_person_request,
        get=_scoped(404, 200, coordinator=200),
        post=_scoped(404, 302, coordinator=403),
        post_data={"action": "decline", "reason": "Die Stelle ist nicht besetzt."},
    ),
    # Import and export of institutions and staff (issue 15): Administration only.
    "import_overview": Case(get=admin_only()),
    "import_upload": Case(
        kwargs=lambda fixture: {"kind": "institutionen"}, get=POST_ONLY, post=admin_only(400), post_data={}
    ),
    "import_preview": Case(kwargs=lambda fixture: {"kind": "personen"}, get=admin_only(302)),
    "import_confirm": Case(kwargs=lambda fixture: {"kind": "personen"}, get=POST_ONLY, post=admin_only(302)),
    "import_template": Case(kwargs=lambda fixture: {"kind": "personen", "fmt": "xlsx"}, get=admin_only()),
    "network_export": Case(kwargs=lambda fixture: {"kind": "institutionen", "fmt": "csv"}, get=admin_only()),
    # Catalogues (Administration).
    "catalogue_overview": Case(get=admin_only()),
    "catalogue_edit": Case(kwargs=lambda fixture: {"kind": "basiskriterium"}, get=admin_only(), post=admin_only()),
    # Vorlagen for new agreements (issue 15): Administration, like the catalogues.
    "template_list": Case(get=admin_only()),
    "template_create": Case(get=admin_only(), post=admin_only()),
    "template_edit": Case(kwargs=_template, get=admin_only(), post=admin_only()),
    # Agreements: visible to partners' users and Administration, edited by partners' Koordination.
    "agreement_list": Case(get=signed_in()),
    "agreement_create": Case(
        get=signed_in(403, outsider=200, coordinator=200), post=signed_in(403, outsider=200, coordinator=200)
    ),
    "agreement_detail": Case(kwargs=_agreement, get=partners_read()),
    "agreement_edit": [
        Case(kwargs=_agreement, get=partners(), post=partners(), label="entwurf"),
        Case(kwargs=_frozen_agreement, get=partners(refused=403, status=403), label="frozen"),
    ],
    "agreement_partners": Case(kwargs=_agreement, get=partners(), post=partners()),
    "agreement_section": [
        Case(kwargs=_agreement_section, get=partners(), post=partners(), label="entwurf"),
    ],
    "agreement_section_row": Case(kwargs=_agreement_section, get=partners(), headers=HX_REQUEST),
    # GET is the confirmation page (without JavaScript) for those whose role may take the step.
    "agreement_transition": Case(kwargs=_start_work, get=partners(), post=partners_read(302)),
    "agreement_history": Case(kwargs=_agreement, get=partners_read()),
    "agreement_compare": Case(kwargs=_agreement, get=partners_read()),
    # The contract, signatures, revisions.
    "contract_preview": Case(kwargs=_agreement, get=partners_read()),
    "cooperation_sheet": Case(kwargs=_agreement, get=partners_read()),
    "contract_download": [
        Case(kwargs=_agreement, get=partners_read(404), label="not frozen"),
        Case(kwargs=_frozen_agreement, get=partners_read(), label="frozen"),
    ],
    # Only a partner's Leitung signs, and only while the revision waits for signatures.
    "agreement_signatures": Case(kwargs=_agreement, get=partners_read(), post=partners_read(403)),
    "agreement_revisions": Case(kwargs=_agreement, get=partners_read()),
    "agreement_amend": Case(kwargs=_agreement, get=POST_ONLY, post=partners_read(302)),
    "signature_file": Case(kwargs=_signature_with_file, get=partners_read()),
    # Paper signatures and voiding: the coordinating institution's Koordination only.
    "paper_signature": Case(kwargs=_in_signing, get=partners(), post=partners()),
    "signature_void": Case(kwargs=_recorded_signature, get=partners(), post=partners()),
    # Every signed-in user may look; only a Leitung names a deputy (none of these roles is one).
    "deputies": Case(get=signed_in(), post=signed_in(403, leader=200)),  # a Leitung names its deputies
    # The yearly quality dialogue.
    "quality_overview": Case(kwargs=_agreement, get=partners_read()),
    "quality_open": Case(kwargs=_agreement, get=POST_ONLY, post=partners(302)),
    "quality_dialogue": Case(kwargs=lambda fixture: {"pk": _dialogue(fixture).pk}, get=partners_read()),
    # A partner's draft is visible inside the institution only; Koordination (or the board seat) fills it in.
    "quality_assessment": Case(kwargs=_own_assessment, get=insiders(), post=insiders(member=403)),
    "quality_levels": Case(get=admin_only()),
    "quality_dimension_edit": Case(
        kwargs=_dimension,
        get=admin_only(),
        post=admin_only(),
    ),
    # Anlagen and comments (issue 15): partners' members add and comment; uploader or Koordination removes.
    "agreement_attachments": Case(kwargs=_agreement, get=partners_read(), post=partner_members()),
    "attachment_file": Case(kwargs=_agreement_attachment, get=partners_read()),
    "attachment_remove": Case(kwargs=_agreement_attachment, get=partners(), post=partners()),
    "agreement_comments": Case(kwargs=_agreement_section, get=partners_read(), post=partner_members()),
    "comment_reply": Case(
        kwargs=_comment, get=POST_ONLY, post=partner_members(302), post_data={"antwort-text": "Erledige ich."}
    ),
    "comment_resolve": Case(kwargs=_comment, get=POST_ONLY, post=partners(302)),
    # The guided working structure.
    "agreement_guide": Case(kwargs=_agreement, get=partners_read()),
    "structure_prep": Case(kwargs=_agreement, get=partners_read(), post=partners()),
    "structure_board": Case(kwargs=_agreement, get=partners_read(), post=partners()),
    "structure_subgroups": Case(kwargs=_agreement, get=partners_read(), post=partners()),
    "agreement_answers": Case(kwargs=_agreement, get=partners_read()),
    # Not in Abstimmung and no board seat: visible, but nobody may decide.
    "agreement_approval": Case(kwargs=_agreement, get=partners_read(), post=partners_read(403)),
    # Drafts stay inside their institution: another partner's users get 404, like outsiders.
    "subgroup_work": [
        Case(kwargs=_subgroup, get=insiders(), post=insiders(403, 403), label="own"),
        Case(kwargs=_partners_subgroup, get=insiders(404, 404), post=insiders(404, 404), label="other partner"),
    ],
    # Staffing shows no drafts: every partner's Koordination staffs every subgroup.
    "subgroup_edit": [
        Case(kwargs=_subgroup, get=partners(), post=partners(), label="own"),
        Case(kwargs=_partners_subgroup, get=partners(), post=partners(), label="other partner"),
    ],
    "answer_reopen": [
        Case(kwargs=_answer, get=POST_ONLY, post=insiders(403, 403), label="own"),
        Case(kwargs=_partners_answer, get=POST_ONLY, post=insiders(404, 404), label="other partner"),
    ],
    "partner_reflection": [
        Case(kwargs=_own_partner, get=insiders(), post=insiders(), label="own"),
        Case(kwargs=_other_partner, get=insiders(404, 404), post=insiders(404, 404), label="other partner"),
    ],
    # Cases, consents and Hilfekonferenzen (conferences app).
    "case_list": Case(get=signed_in()),
    # Fachkraft and Koordination open cases.
    "case_create": Case(
        get=signed_in(403, outsider=200, coordinator=200, caseworker=200),
        post=signed_in(403, outsider=200, coordinator=200, caseworker=200),
    ),
    "case_detail": Case(kwargs=_case, get=case_read()),
    "case_edit": Case(kwargs=_case, get=case_write(), post=case_write()),
    "case_institutions": Case(kwargs=_case, get=case_write(), post=case_write()),
    "consent_create": Case(kwargs=_case, get=case_write(), post=case_write()),
    # The access log: the owning institution's Koordination only.
    "case_access_log": Case(kwargs=_case, get=case_write(caseworker=403)),
    "case_access_log_csv": Case(kwargs=_case, get=case_manage()),
    "case_team": Case(kwargs=_case, get=case_manage(), post=case_manage()),
    "case_team_remove": Case(kwargs=_team_member, get=POST_ONLY, post=case_manage(302)),
    "case_close": Case(kwargs=_case, get=case_manage(), post=case_manage()),
    "case_legal_hold": Case(kwargs=_case, get=case_manage(), post=case_manage()),
    "case_legal_hold_lift": Case(kwargs=_case, get=POST_ONLY, post=case_manage(302)),
    "case_disclosure": Case(kwargs=_case, get=case_manage()),
    "case_disclosure_pdf": Case(kwargs=_case, get=case_manage()),
    "institution_access_log": Case(kwargs=_institution, get=_institution_log()),
    "conference_create": [
        Case(kwargs=_case, get=case_write(), post=case_write(), label="consent"),
        Case(kwargs=_case_without_consent, get=case_write(403), label="no consent"),
    ],
    "consent_revoke": Case(kwargs=_consent, get=case_write(), post=case_write()),
    "consent_document": Case(kwargs=_consent, get=case_read()),
    "conference_detail": Case(kwargs=_conference, get=case_read()),
    "conference_plan": [
        Case(kwargs=_conference, get=case_write(), post=case_write(), label="open"),
        Case(kwargs=_final_conference, get=case_write(403), label="final"),
    ],
    "conference_protocol": [
        Case(kwargs=_conference, get=case_write(), post=case_write(), label="open"),
        Case(kwargs=_final_conference, get=case_write(403), post=case_write(403), label="final"),
    ],
    "conference_row": Case(kwargs=_conference_row, get=case_write(), headers=HX_REQUEST),
    "conference_finalise": Case(kwargs=_conference, get=POST_ONLY, post=case_read(302)),
    "conference_addendum": [
        Case(kwargs=_final_conference, get=case_write(), post=case_write(), label="final"),
        Case(kwargs=_conference, get=case_write(403), label="open"),
    ],
    "conference_pdf": Case(kwargs=_final_conference, get=case_read()),
    "conference_ics": Case(kwargs=_conference, get=case_read()),
    # Sitzungen: the agreement's partners read (Administration too), Koordination and Protokollführung write.
    "meeting_list": Case(get=signed_in()),
    "meeting_create": Case(
        get=signed_in(403, outsider=200, coordinator=200), post=signed_in(403, outsider=200, coordinator=200)
    ),
    "meeting_detail": [
        Case(kwargs=_meeting, get=partners_read(), label="gremium"),
        Case(kwargs=_subgroup_meeting, get=_subgroup_minutes(), label="untergruppe"),
    ],
    "meeting_invite": Case(kwargs=_meeting, get=POST_ONLY, post=partners(302)),
    "meeting_edit": [
        Case(kwargs=_meeting, get=partners(), post=partners(), label="open"),
        Case(kwargs=_final_meeting, get=partners(403), label="final"),
    ],
    "meeting_row": Case(kwargs=_meeting_row, get=partners(), headers=HX_REQUEST),
    "meeting_finalise": Case(kwargs=_meeting, get=POST_ONLY, post=partners_read(302)),
    "meeting_addendum": Case(kwargs=_final_meeting, get=partners(), post=partners()),
    "meeting_pdf": [
        Case(kwargs=_final_meeting, get=partners_read(), label="gremium"),
        Case(
            kwargs=lambda fixture: _subgroup_meeting(fixture, final=True), get=_subgroup_minutes(), label="untergruppe"
        ),
    ],
    # Anlagen of Sitzungen (partners) and of cases (case data: the team reads, Fachkraft/Koordination write).
    "meeting_attachments": Case(kwargs=_meeting, get=partners_read(), post=partner_members()),
    "meeting_attachment_file": Case(kwargs=_meeting_attachment, get=partners_read()),
    "meeting_attachment_remove": Case(kwargs=_meeting_attachment, get=partners(), post=partners()),
    "case_attachments": Case(kwargs=_case, get=case_read(), post=case_write()),
    "case_attachment_file": Case(kwargs=_case_attachment, get=case_read()),
    "case_attachment_remove": Case(kwargs=_case_attachment, get=case_write(), post=case_write()),
    # Meine Aufgaben: the task belongs to `institution`; its Koordination updates it, its Mitglied only reads.
    "my_tasks": Case(get=signed_in()),
    "task_status": Case(kwargs=_task, get=case_write(), post=case_write()),
    # --- Notifications (the bell) and notification settings: each person only their own ---
    "notification_list": Case(get=signed_in()),
    "notification_badge": Case(get=signed_in(), headers=HX_REQUEST),
    "notification_read_all": Case(get=POST_ONLY, post=signed_in(302)),
    "notification_open": Case(kwargs=_members_notification, get=POST_ONLY, post=signed_in(404, member=302)),
    "notification_read": Case(kwargs=_members_notification, get=POST_ONLY, post=signed_in(404, member=302)),
    "notification_settings": Case(get=signed_in(), post=signed_in(302), post_data={"reminders": "on"}),
    # --- end notifications ---
}


def _cases() -> list[tuple[str, Case]]:
    cases = []
    for name, entry in MATRIX.items():
        for case in entry if isinstance(entry, list) else [entry]:
            cases.append((name, case))
    return cases


def _params(method: str) -> list:
    params = []
    for name, case in _cases():
        expected = case.get if method == "get" else case.post
        if expected is None:
            continue
        for role in ROLES:
            label = f"{name}[{case.label}]" if case.label else name
            params.append(pytest.param(name, case, role, expected[role], id=f"{method}-{label}-{role}"))
    return params


def _url_names(patterns, namespace: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            names.add(f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {pattern.pattern}>")
    return names


def _request(request, client, method: str, name: str, case: Case, role: str):
    fixture = request.getfixturevalue
    url = reverse(name, kwargs=case.kwargs(fixture))
    if ROLES[role]:
        client.force_login(fixture(ROLES[role]))
    if method == "get":
        return client.get(url, headers=case.headers)
    return client.post(url, case.post_data, headers=case.headers)


def _assert_answer(response, expected: int | str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
        return
    assert response.status_code == expected
    if expected == 403:
        # The refusal says why (Weblate style), in German.
        assert response.context["exception"], "403 without a reason"


# One world for the whole module ---------------------------------------------------------------
#
# Every test here only needs the same few institutions, role users, an agreement, a case with its
# conferences, meetings and a task. They are built once per module (per xdist worker) inside an outer
# transaction (tests/shared_data.py); each test runs in a savepoint of it, so whatever a test or its
# `kwargs` changes is rolled back. The fixtures below override conftest's and hand every test fresh
# copies from the database, so a change to an object in memory cannot leak into the next test either.

# fixture name -> model of the shared object
SHARED = {
    "institution": Institution,
    "other_institution": Institution,
    "partner_institution": Institution,
    **dict.fromkeys(conftest.ROLE_USERS, User),
    "outsider": User,
    "colleague": User,
    "admin_user": User,
    "agreement": Agreement,
    "help_case": HelpCase,
    "case_without_consent": HelpCase,
    "consent": Consent,
    "conference": Conference,
    "final_conference": Conference,
    "meeting": Meeting,
    "final_meeting": Meeting,
    "task": Task,
}


def _build_world() -> dict[str, int]:
    """The objects conftest's fixtures would build for one test, all at once (their builders)."""
    institution = conftest.make_institution()
    other_institution = conftest.make_other_institution()
    partner_institution = conftest.make_partner_institution()
    users = {name: conftest.make_role_user(institution, name) for name in conftest.ROLE_USERS}
    coordinator = users["coordinator"]
    agreement = conftest.make_agreement(institution, partner_institution, coordinator)
    help_case = conferences.make_help_case(agreement, coordinator, institution, partner_institution)
    # As with the fixtures, each conference and meeting is its own: `task` documents a conference of
    # its own and `final_meeting` finalises another meeting than `meeting`.
    objects = {
        "institution": institution,
        "other_institution": other_institution,
        "partner_institution": partner_institution,
        **users,
        "outsider": conftest.make_outsider(other_institution),
        "colleague": conferences.make_colleague(institution),
        "admin_user": conftest.make_admin_user(),
        "agreement": agreement,
        "help_case": help_case,
        "case_without_consent": conferences.make_case_without_consent(agreement, coordinator, institution),
        "consent": help_case.consents.get(),
        "conference": conferences.plan(help_case, coordinator),
        "final_conference": conferences.make_final_conference(help_case, coordinator),
        "meeting": conferences.make_meeting(agreement, coordinator),
        "final_meeting": conferences.make_final_meeting(
            conferences.make_meeting(agreement, coordinator), coordinator, institution
        ),
        "task": conferences.make_task(conferences.plan(help_case, coordinator), coordinator, institution),
    }
    assert set(objects) == set(SHARED)
    return {name: obj.pk for name, obj in objects.items()}


@pytest.fixture(scope="module")
def world_media(tmp_path_factory):
    return tmp_path_factory.mktemp("permission-matrix-media")


@pytest.fixture(scope="module", autouse=True)
def world(django_db_setup, django_db_blocker, world_media):
    """Primary keys of the shared objects, built before the first test's own transaction begins."""
    with built_once(django_db_blocker, world_media, _build_world) as pks:
        yield pks


@pytest.fixture
def media_root(world_media):
    """The shared objects' files (the consent's document) live in the module's media folder."""
    return world_media


def _shared_fixture(name: str, model):
    @pytest.fixture(name=name)
    def fixture(world, db):
        return model.objects.get(pk=world[name])

    fixture.__doc__ = f"A fresh copy of the module's shared `{name}`."
    return fixture


for _name, _model in SHARED.items():
    globals()[_name] = _shared_fixture(_name, _model)


def test_every_url_is_in_the_matrix():
    names = _url_names(get_resolver().url_patterns)
    missing = sorted(names - set(MATRIX))
    assert not missing, f"URL names without an entry in the permission matrix: {missing}"


def test_matrix_has_no_stale_entries():
    names = _url_names(get_resolver().url_patterns)
    assert sorted(set(MATRIX) - names) == []


def test_every_entry_covers_every_role():
    for name, case in _cases():
        for expected in (case.get, case.post):
            if expected is not None:
                assert set(expected) == set(ROLES), name


@pytest.mark.parametrize(("name", "case", "role", "expected"), _params("get"))
def test_get(request, client, name, case, role, expected):
    _assert_answer(_request(request, client, "get", name, case, role), expected)


@pytest.mark.parametrize(("name", "case", "role", "expected"), _params("post"))
def test_post(request, client, name, case, role, expected):
    _assert_answer(_request(request, client, "post", name, case, role), expected)


def test_refusal_names_the_reason(client_for, member, institution):
    response = client_for(member).get(reverse("institution_contacts", args=[institution.pk]))
    assert response.status_code == 403
    assert "Ansprechpartner/innen und Angebote von „Jugendamt Teststadt“ pflegen nur" in response.content.decode()


def test_outsider_gets_404_for_a_deactivated_institution_not_403(client_for, outsider, institution):
    institution.is_active = False
    institution.save(update_fields=["is_active"])
    response = client_for(outsider).get(reverse("institution_edit", args=[institution.pk]))
    assert response.status_code == 404
