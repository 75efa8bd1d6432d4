"""Freezing a revision and its contract PDF, rendered and stored exactly once."""

from __future__ import annotations

import hashlib
import logging
from io import BytesIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from agreements.documents import ContractRenderer
from agreements.models import Agreement, BoardMember, FrozenContract, Signature, Status
from kooperation.core.errors import DomainError
from kooperation.core.mail import notify
from kooperation.network.models import Membership, Role

logger = logging.getLogger(__name__)

FROZEN = (
    Status.ZUR_UNTERZEICHNUNG,
    Status.UNTERZEICHNET,
    Status.IN_KRAFT,
    Status.UEBERPRUEFUNG_FAELLIG,
    Status.BEENDET,
)


def freeze(user, agreement: Agreement) -> None:
    """Called inside the release transition: render the contract once the freeze has committed."""
    agreement.stand = timezone.localdate()
    agreement.save(update_fields=["stand"])
    transaction.on_commit(lambda: render_contract.enqueue(agreement.pk))
    leaders = leitung_of_partners(agreement)
    notify(
        leaders,
        _("Eine Kooperationsvereinbarung liegt zur Unterzeichnung vor"),
        _(
            "Der Text von „%(title)s“ (%(revision)s) wurde von allen Partnern angenommen und liegt Ihnen zur "
            "Unterzeichnung vor."
        )
        % {"title": agreement.title, "revision": agreement.revision_label},
        reverse("agreement_signatures", args=[agreement.pk]),
    )


def page_count(data: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(BytesIO(data), strict=False).root["/Pages"]["/Count"])


def ensure_contract(agreement_pk: int) -> FrozenContract:
    """Render and store the frozen contract exactly once; later calls return the stored one."""
    existing = FrozenContract.objects.filter(agreement_id=agreement_pk, withdrawn_at__isnull=True).first()
    if existing:
        return existing
    agreement = Agreement.objects.get(pk=agreement_pk)
    if agreement.status not in FROZEN:
        raise DomainError(_("Nur eine eingefrorene Revision hat einen Vertrag zum Unterzeichnen."))
    renderer = ContractRenderer(agreement, draft=False)
    filename, _mimetype, data = renderer.render()
    with transaction.atomic():
        Agreement.objects.select_for_update().get(pk=agreement_pk)
        existing = FrozenContract.objects.filter(agreement_id=agreement_pk, withdrawn_at__isnull=True).first()
        if existing:  # another server rendered it meanwhile; theirs is the one
            return existing
        contract = FrozenContract(
            agreement=agreement,
            sha256=hashlib.sha256(data).hexdigest(),
            fingerprint=renderer.fingerprint,
            pages=page_count(data),
            size=len(data),
        )
        contract.file.save(filename, ContentFile(data), save=False)
        contract.save()
    logger.info("contract of agreement %s frozen: %s", agreement_pk, contract.sha256)
    return contract


@task()
def render_contract(agreement_pk: int) -> str:
    """Background task: pre-render the frozen contract so the first download need not wait for it."""
    return ensure_contract(agreement_pk).sha256


def leitung_of_partners(agreement: Agreement, signed: set[int] | None = None):
    """The Leitung accounts of the partner institutions (optionally: of those not signed yet)."""
    members = Membership.objects.filter(
        institution__partnerships__agreement=agreement, role=Role.LEITUNG, user__is_active=True
    )
    if signed:
        members = members.exclude(institution_id__in=signed)
    return [m.user for m in members.select_related("user")]


def partner_people(agreement: Agreement, *, leitung: bool = False) -> list:
    """Whom partners' news reach: the board, every partner's Koordination and (optionally) its Leitung."""
    roles = [Role.KOORDINATION, Role.LEITUNG] if leitung else [Role.KOORDINATION]
    members = Membership.objects.filter(
        institution__partnerships__agreement=agreement, role__in=roles, user__is_active=True
    ).select_related("user")
    board = BoardMember.objects.filter(agreement=agreement).select_related("user")
    people = {m.user.pk: m.user for m in members}
    people.update({b.user.pk: b.user for b in board})
    return list(people.values())


def void_signatures(user, agreement: Agreement, reason: str) -> int:
    """Make every valid signature of the revision void (kept, marked with when, who and why)."""
    signatures = list(Signature.objects.valid().filter(agreement=agreement))
    for signature in signatures:  # saved one by one, so the history (Verlauf) shows each
        signature.voided_at, signature.voided_by, signature.void_reason = timezone.now(), user, reason
        signature.save(update_fields=["voided_at", "voided_by", "void_reason"])
    return len(signatures)


def withdraw_contract(agreement: Agreement) -> None:
    """The stored contract stays, marked withdrawn; the next release renders a new one."""
    FrozenContract.objects.filter(agreement=agreement, withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
