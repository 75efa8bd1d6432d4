"""Anlagen of an agreement and comment threads on its sections (with @-mentions by e-mail)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import permissions as perms
from agreements.models import Agreement, AgreementAttachment, SectionComment
from agreements.queries.sections import SECTIONS_BY_KEY
from kooperation.core import attachments
from kooperation.core.errors import DomainError
from kooperation.core.mail import notify
from kooperation.network.models import User

logger = logging.getLogger(__name__)


def _require(verdict) -> None:
    if not verdict:
        raise DomainError(verdict.reason)


@transaction.atomic
def add_attachment(
    user, agreement: Agreement, *, data: bytes, kind, name: str, description: str, in_contract: bool = False
) -> AgreementAttachment:
    """Store a checked file as an Anlage; only an editable revision may list it in the contract."""
    _require(perms.can_add_attachment(user, agreement))
    attachment = AgreementAttachment(agreement=agreement, in_contract=in_contract and agreement.is_editable)
    attachments.fill(attachment, data=data, kind=kind, name=name, description=description, user=user)
    attachment.save()
    logger.info("attachment %s added to agreement %s by user %s", attachment.pk, agreement.pk, user.pk)
    return attachment


@transaction.atomic
def remove_attachment(user, attachment: AgreementAttachment, reason: str) -> AgreementAttachment:
    locked = AgreementAttachment.objects.select_for_update().select_related("agreement").get(pk=attachment.pk)
    _require(perms.can_remove_attachment(user, locked))
    attachments.remove(locked, user, reason)
    logger.info("attachment %s removed by user %s", locked.pk, user.pk)
    return locked


def mention_candidates(agreement: Agreement):
    """Active people of the partner institutions: whom a comment may @-mention."""
    return (
        User.objects.filter(memberships__institution_id__in=perms.partner_institution_ids(agreement), is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def section_path(agreement: Agreement, section: str) -> str:
    return reverse("agreement_comments", args=[agreement.pk, section])


@transaction.atomic
def add_comment(
    user, agreement: Agreement, section: str, text: str, *, mentioned=(), parent: SectionComment | None = None
) -> SectionComment:
    """Write a comment (or a reply to a thread) and notify the @-mentioned people and the thread's author."""
    _require(perms.can_comment(user, agreement))
    if section not in SECTIONS_BY_KEY:
        raise DomainError(_("Diesen Abschnitt gibt es nicht."))
    if parent is not None:
        if parent.agreement_id != agreement.pk or parent.parent_id is not None or parent.section != section:
            raise DomainError(_("Geantwortet wird auf den ersten Kommentar eines Gesprächsfadens."))
        if parent.resolved_at is not None:
            raise DomainError(_("Dieser Gesprächsfaden ist erledigt; bitte einen neuen Kommentar beginnen."))
    if not text.strip():
        raise DomainError(_("Bitte einen Text eingeben."))
    allowed = {u.pk for u in mention_candidates(agreement)}
    mentioned = [u for u in mentioned if u.pk in allowed]
    comment = SectionComment.objects.create(
        agreement=agreement, section=section, parent=parent, author=user, text=text.strip()
    )
    comment.mentioned.set(mentioned)
    title = SECTIONS_BY_KEY[section].title
    path = section_path(agreement, section) + f"#kommentar-{(parent or comment).pk}"
    notify(
        [u for u in mentioned if u.pk != user.pk],
        _("Sie wurden in einem Kommentar erwähnt"),
        _("%(name)s hat Sie in einem Kommentar zum Abschnitt „%(section)s“ einer Kooperationsvereinbarung erwähnt.")
        % {"name": user.get_full_name() or user.email, "section": title},
        path,
    )
    if parent is not None and parent.author_id != user.pk and parent.author not in mentioned:
        notify(
            [parent.author],
            _("Antwort auf Ihren Kommentar"),
            _("Auf Ihren Kommentar zum Abschnitt „%(section)s“ wurde geantwortet.") % {"section": title},
            path,
        )
    logger.info("comment %s on agreement %s by user %s", comment.pk, agreement.pk, user.pk)
    return comment


@transaction.atomic
def resolve_comment(user, comment: SectionComment) -> SectionComment:
    locked = SectionComment.objects.select_for_update().select_related("agreement").get(pk=comment.pk)
    _require(perms.can_resolve_comment(user, locked))
    locked.resolved_at = timezone.now()
    locked.resolved_by = user
    locked.save(update_fields=["resolved_at", "resolved_by"])
    return locked
