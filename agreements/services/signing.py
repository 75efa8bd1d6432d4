"""Freezing a revision, the contract PDF, signatures, entry into force, amendments, review and end."""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from io import BytesIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import permissions as perms
from agreements.documents import ContractRenderer
from agreements.models import Agreement, BoardMember, FrozenContract, Signature, SignatureMethod, Status, StatusChange
from agreements.services.agreement import copy_revision
from agreements.signature_check import verify_signed_contract
from kooperation.core.dates import add_months
from kooperation.core.errors import DomainError
from kooperation.core.mail import notify
from kooperation.network.models import Leader, Membership, Role

logger = logging.getLogger(__name__)

FROZEN = (Status.ZUR_UNTERZEICHNUNG, Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG, Status.BEENDET)
SCAN_TYPES = {b"%PDF-": "pdf", b"\x89PNG": "png", b"\xff\xd8\xff": "jpg"}
MAX_UPLOAD = 15 * 1024 * 1024
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


def freeze(user, agreement: Agreement) -> None:
    """Called inside the release transition: render the contract once the freeze has committed."""
    agreement.stand = timezone.localdate()
    agreement.save(update_fields=["stand"])
    transaction.on_commit(lambda: ensure_contract(agreement.pk))
    leaders = _leitung_of_partners(agreement)
    notify(
        leaders,
        _("Eine Kooperationsvereinbarung liegt zur Unterzeichnung vor"),
        _("Der Text wurde von allen Partnern angenommen und liegt Ihnen zur Unterzeichnung vor."),
        reverse("agreement_signatures", args=[agreement.pk]),
    )


def page_count(data: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(BytesIO(data), strict=False).root["/Pages"]["/Count"])


def ensure_contract(agreement_pk: int) -> FrozenContract:
    """Render and store the frozen contract exactly once; later calls return the stored one.

    A contract recorded without its file (demo data, see contracts_rendered_on_first_download) is rendered
    and stored here on first use, provided the content still has the fingerprint recorded at freezing.
    """
    existing = FrozenContract.objects.filter(agreement_id=agreement_pk).first()
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
        existing = FrozenContract.objects.filter(agreement_id=agreement_pk).first()
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


def _leitung_of_partners(agreement: Agreement, signed: set[int] | None = None):
    """The Leitung accounts of the partner institutions (optionally: of those not signed yet)."""
    members = Membership.objects.filter(
        institution__partnerships__agreement=agreement, role=Role.LEITUNG, user__is_active=True
    )
    if signed:
        members = members.exclude(institution_id__in=signed)
    return [m.user for m in members.select_related("user")]


def _signer(user, institution) -> tuple[Leader | None, str, str]:
    leader = (
        Leader.objects.filter(institution=institution, user=user).first()
        or Leader.objects.filter(institution=institution, signs=True).order_by("position").first()
    )
    if leader and leader.user_id == user.pk:
        return leader, leader.name, leader.function
    return leader if leader and not leader.user_id else None, user.get_full_name() or user.email, _("Leitung")


@transaction.atomic
def record_signature(user, agreement: Agreement, institution, *, signed_on, place, method, upload=None) -> Signature:
    """Record a partner's signature; the last one puts the agreement into force."""
    locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
    decision = perms.can_sign(user, locked, institution)
    if not decision:
        raise DomainError(decision.reason)
    if Signature.objects.filter(agreement=locked, institution=institution).exists():
        raise DomainError(_("Für „%(name)s“ ist bereits eine Unterschrift erfasst.") % {"name": institution.name})
    contract = FrozenContract.objects.filter(agreement=locked).first()
    if contract is None:
        raise DomainError(_("Das Vertrags-PDF wird noch erzeugt. Bitte versuchen Sie es gleich noch einmal."))
    if signed_on > timezone.localdate():
        raise DomainError(_("Das Datum der Unterschrift darf nicht in der Zukunft liegen."))
    leader, name, function = _signer(user, institution)
    signature = Signature(
        agreement=locked,
        institution=institution,
        leader=leader,
        signer_name=name,
        signer_function=function,
        signed_on=signed_on,
        place=place,
        method=method,
        recorded_by=user,
    )
    if method != SignatureMethod.IN_APP:
        if upload is None:
            raise DomainError(_("Bitte die unterschriebene Datei hochladen."))
        data = upload.read()
        if len(data) > MAX_UPLOAD:
            raise DomainError(_("Die Datei ist größer als 15 MB."))
        if method == SignatureMethod.DIGITAL:
            contract = ensure_contract(locked.pk)
            with contract.file.open("rb") as handle:
                original = handle.read()
            signature.verification = verify_signed_contract(data, len(original), contract.sha256)
            extension = "pdf"
        else:
            extension = next((ext for magic, ext in SCAN_TYPES.items() if data.startswith(magic)), None)
            if extension is None:
                raise DomainError(_("Bitte die unterschriebene Seite als PDF, PNG oder JPEG hochladen."))
        signature.file_sha256 = hashlib.sha256(data).hexdigest()
        signature.file.save(f"unterschrift-{locked.pk}-{institution.pk}.{extension}", ContentFile(data), save=False)
    signature.save()
    signed = set(Signature.objects.filter(agreement=locked).values_list("institution_id", flat=True))
    if perms.partner_institution_ids(locked) <= signed:
        enter_into_force(user, locked)
    logger.info("agreement %s signed for institution %s by user %s", locked.pk, institution.pk, user.pk)
    return signature


def enter_into_force(user, agreement: Agreement) -> None:
    """All partners signed: in force from the start date; term end and review date follow."""
    term = agreement.term
    last_signature = Signature.objects.filter(agreement=agreement).order_by("-signed_on").first()
    start = term.valid_from or (last_signature.signed_on if last_signature else timezone.localdate())
    if term.valid_until:
        until = term.valid_until
    elif term.duration_months:
        until = add_months(start, term.duration_months) - timedelta(days=1)
    else:
        until = None
    agreement.in_force_from = start
    agreement.in_force_until = until
    agreement.review_due_on = add_months(start, term.review_interval_months) if term.review_interval_months else None
    previous = agreement.status
    agreement.status = Status.IN_KRAFT
    agreement.version += 1
    agreement.save(
        update_fields=["in_force_from", "in_force_until", "review_due_on", "status", "version", "updated_at"]
    )
    StatusChange.objects.create(
        agreement=agreement, transition="enter_into_force", from_status=previous, to_status=Status.IN_KRAFT, by=user
    )
    predecessor = agreement.predecessor
    if predecessor and predecessor.status in (Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG):
        _end(
            predecessor,
            user,
            _("Ersetzt durch %(revision)s.") % {"revision": agreement.revision_label},
            on=start - timedelta(days=1) if start > timezone.localdate() else timezone.localdate(),
        )
    board = [b.user for b in BoardMember.objects.filter(agreement=agreement).select_related("user")]
    notify(
        board,
        _("Eine Kooperationsvereinbarung ist unterzeichnet"),
        _("Alle Partner haben unterschrieben; die Vereinbarung tritt in Kraft."),
        reverse("agreement_detail", args=[agreement.pk]),
    )


def _end(agreement: Agreement, user, reason: str, on) -> None:
    previous = agreement.status
    agreement.status = Status.BEENDET
    agreement.ended_on = on
    agreement.end_reason = reason
    agreement.version += 1
    agreement.save(update_fields=["status", "ended_on", "end_reason", "version", "updated_at"])
    StatusChange.objects.create(
        agreement=agreement, transition="end", from_status=previous, to_status=Status.BEENDET, by=user, comment=reason
    )


def schedule_next_review(agreement: Agreement) -> None:
    """After a review that confirms the agreement: the next review one interval from today."""
    interval = agreement.term.review_interval_months
    agreement.review_due_on = add_months(timezone.localdate(), interval) if interval else None
    agreement.save(update_fields=["review_due_on"])


def start_amendment(user, agreement: Agreement) -> Agreement:
    """Begin the next revision as an editable copy; the revision in force stays in force."""
    verdict = perms.can_amend(user, agreement)
    if not verdict:
        raise DomainError(verdict.reason)
    return copy_revision(agreement, user)


def daily(today=None) -> dict[str, int]:
    """The daily timer: reviews due, expired terms, signature reminders. Returns counts."""
    today = today or timezone.localdate()
    counts = {"review_due": 0, "expired": 0, "reminded": 0}
    for agreement in Agreement.objects.filter(
        status__in=[Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG], in_force_until__lt=today
    ):
        with transaction.atomic():
            _end(agreement, None, _("Die Laufzeit ist abgelaufen."), on=agreement.in_force_until)
        counts["expired"] += 1
    for agreement in Agreement.objects.filter(status=Status.IN_KRAFT, review_due_on__lte=today):
        with transaction.atomic():
            agreement.status = Status.UEBERPRUEFUNG_FAELLIG
            agreement.version += 1
            agreement.save(update_fields=["status", "version", "updated_at"])
            StatusChange.objects.create(
                agreement=agreement,
                transition="review_due",
                from_status=Status.IN_KRAFT,
                to_status=Status.UEBERPRUEFUNG_FAELLIG,
                by=None,
            )
            board = [b.user for b in BoardMember.objects.filter(agreement=agreement).select_related("user")]
            notify(
                board,
                _("Die Überprüfung einer Kooperationsvereinbarung ist fällig"),
                _("Das Kooperationsgremium überprüft die Vereinbarung und bestätigt sie oder beginnt eine Änderung."),
                reverse("agreement_detail", args=[agreement.pk]),
            )
        counts["review_due"] += 1
    week_ago = timezone.now() - timedelta(days=7)
    for agreement in Agreement.objects.filter(status=Status.ZUR_UNTERZEICHNUNG).exclude(
        signature_reminded_at__gt=week_ago
    ):
        signed = set(Signature.objects.filter(agreement=agreement).values_list("institution_id", flat=True))
        outstanding = _leitung_of_partners(agreement, signed)
        if outstanding:
            with transaction.atomic():
                notify(
                    outstanding,
                    _("Erinnerung: Ihre Unterschrift fehlt noch"),
                    _("Eine Kooperationsvereinbarung wartet noch auf die Unterschrift Ihrer Institution."),
                    reverse("agreement_signatures", args=[agreement.pk]),
                )
                agreement.signature_reminded_at = timezone.now()
                agreement.save(update_fields=["signature_reminded_at"])
            counts["reminded"] += len(outstanding)
    return counts
