"""Signatures, entry into force, amendments, review and end; status changes go through the lifecycle."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import permissions as perms
from agreements.models import Agreement, BoardMember, FrozenContract, Signature, SignatureMethod, Status
from agreements.services import lifecycle
from agreements.services.agreement import copy_revision
from agreements.services.contract import leitung_of_partners
from agreements.signature_check import verify_signed_contract
from kooperation.core.concurrency import ConflictError
from kooperation.core.dates import add_months
from kooperation.core.errors import DomainError
from kooperation.core.mail import notify
from kooperation.core.uploads import check_scan
from kooperation.network.models import Leader

logger = logging.getLogger(__name__)

MAX_UPLOAD = 15 * 1024 * 1024


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
        data = _read_bounded(upload)
        if method == SignatureMethod.DIGITAL:
            with contract.file.open("rb") as handle:
                original = handle.read()
            signature.verification = verify_signed_contract(data, len(original), contract.sha256)
            extension = "pdf"
        else:
            # Decided by the bytes (parsed in full, PDFs without active content), never by the uploaded name.
            extension = check_scan(
                data, unknown_message=_("Bitte die unterschriebene Seite als PDF, PNG oder JPEG hochladen.")
            ).extension
        signature.file_sha256 = hashlib.sha256(data).hexdigest()
        signature.file.save(f"unterschrift-{locked.pk}-{institution.pk}.{extension}", ContentFile(data), save=False)
    signature.save()
    signed = set(Signature.objects.filter(agreement=locked).values_list("institution_id", flat=True))
    if perms.partner_institution_ids(locked) <= signed:
        enter_into_force(user, locked)
    logger.info("agreement %s signed for institution %s by user %s", locked.pk, institution.pk, user.pk)
    return signature


def _read_bounded(upload) -> bytes:
    """The upload's bytes, refused by its declared size first and counted while reading its chunks."""
    too_large = DomainError(_("Die Datei ist größer als 15 MB."))
    if (upload.size or 0) > MAX_UPLOAD:
        raise too_large
    data = bytearray()
    for chunk in upload.chunks():
        data += chunk
        if len(data) > MAX_UPLOAD:
            raise too_large
    return bytes(data)


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
    changes = {
        "in_force_from": start,
        "in_force_until": until,
        "review_due_on": add_months(start, term.review_interval_months) if term.review_interval_months else None,
    }
    lifecycle.apply(agreement, "enter_into_force", user, changes=changes)
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
    """End the agreement through the lifecycle, the reason both as the end reason and as the comment."""
    lifecycle.apply(agreement, "end", user, reason, changes={"ended_on": on, "end_reason": reason})


def start_amendment(user, agreement: Agreement) -> Agreement:
    """Begin the next revision as an editable copy; the revision in force stays in force."""
    verdict = perms.can_amend(user, agreement)
    if not verdict:
        raise DomainError(verdict.reason)
    return copy_revision(agreement, user)


def _review_due(agreement: Agreement) -> None:
    lifecycle.apply(agreement, "review_due", None)
    board = [b.user for b in BoardMember.objects.filter(agreement=agreement).select_related("user")]
    notify(
        board,
        _("Die Überprüfung einer Kooperationsvereinbarung ist fällig"),
        _("Das Kooperationsgremium überprüft die Vereinbarung und bestätigt sie oder beginnt eine Änderung."),
        reverse("agreement_detail", args=[agreement.pk]),
    )


def _system_step(step, agreement: Agreement, *args, **kwargs) -> bool:
    """Run one step of the daily job in its own transaction; say whether it was taken."""
    try:
        with transaction.atomic():
            step(agreement, *args, **kwargs)
    except (ConflictError, DomainError) as error:
        # Someone changed the agreement since the job loaded it; the next run sees its new state.
        logger.warning("daily job skipped agreement %s: %s", agreement.pk, error)
        return False
    return True


def daily(today=None) -> dict[str, int]:
    """The daily timer: reviews due, expired terms, signature reminders. Returns counts."""
    today = today or timezone.localdate()
    counts = {"review_due": 0, "expired": 0, "reminded": 0}
    for agreement in Agreement.objects.filter(
        status__in=[Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG], in_force_until__lt=today
    ):
        if _system_step(_end, agreement, None, _("Die Laufzeit ist abgelaufen."), on=agreement.in_force_until):
            counts["expired"] += 1
    for agreement in Agreement.objects.filter(status=Status.IN_KRAFT, review_due_on__lte=today):
        if _system_step(_review_due, agreement):
            counts["review_due"] += 1
    week_ago = timezone.now() - timedelta(days=7)
    for agreement in Agreement.objects.filter(status=Status.ZUR_UNTERZEICHNUNG).exclude(
        signature_reminded_at__gt=week_ago
    ):
        signed = set(Signature.objects.filter(agreement=agreement).values_list("institution_id", flat=True))
        outstanding = leitung_of_partners(agreement, signed)
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
