"""Freezing a revision and its contract PDF, rendered and stored exactly once."""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager
from contextvars import ContextVar
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
from kooperation.core.mail import NotificationKind, notify
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
        kind=NotificationKind.SIGNATURE,
    )


def page_count(data: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(BytesIO(data), strict=False).root["/Pages"]["/Count"])


# Demo data (seed_demo --scale 100 freezes hundreds of contracts): record them, render on first download.
_render_later = ContextVar("render_contracts_later", default=False)


@contextmanager
def contracts_rendered_on_first_download():
    """Within this block a frozen contract is recorded with its fingerprint but rendered only when first needed."""
    token = _render_later.set(True)
    try:
        yield
    finally:
        _render_later.reset(token)


def ensure_contract(agreement_pk: int) -> FrozenContract:
    """Render and store the frozen contract exactly once; later calls return the stored one.

    A contract recorded without its file (demo data, see contracts_rendered_on_first_download) is rendered
    and stored here on first use, provided the content still has the fingerprint recorded at freezing.
    """
    current = FrozenContract.objects.filter(agreement_id=agreement_pk, withdrawn_at__isnull=True)
    existing = current.first()
    if existing and (existing.file or _render_later.get()):
        return existing
    agreement = Agreement.objects.get(pk=agreement_pk)
    if agreement.status not in FROZEN:
        raise DomainError(_("Nur eine eingefrorene Revision hat einen Vertrag zum Unterzeichnen."))
    renderer = ContractRenderer(agreement, draft=False)
    if _render_later.get():
        return FrozenContract.objects.create(
            agreement=agreement, sha256="", fingerprint=renderer.fingerprint, pages=0, size=0
        )
    filename, _mimetype, data = renderer.render()
    with transaction.atomic():
        Agreement.objects.select_for_update().get(pk=agreement_pk)
        existing = current.first()
        if existing and existing.file:  # another server rendered it meanwhile; theirs is the one
            return existing
        if existing and existing.fingerprint != renderer.fingerprint:
            raise DomainError(_("Der Vertragstext hat sich seit dem Einfrieren geändert."))
        contract = existing or FrozenContract(agreement=agreement)
        contract.sha256 = hashlib.sha256(data).hexdigest()
        contract.fingerprint = renderer.fingerprint
        contract.pages = page_count(data)
        contract.size = len(data)
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
