"""Signatures: online, recorded from paper, voided, and deputies (i. V.); the last one puts the agreement in force."""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import permissions as perms
from agreements.models import (
    Agreement,
    Deputy,
    FrozenContract,
    Signature,
    SignatureMethod,
)
from agreements.services.contract import ensure_contract, partner_people
from agreements.services.validity import enter_into_force
from agreements.signature_check import verify_signed_contract
from kooperation.core.errors import DomainError
from kooperation.core.mail import NotificationKind, notify
from kooperation.core.uploads import check_scan
from kooperation.network.models import Leader, Membership, Role
from kooperation.network.permissions import has_role

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
    contract = _check_signable(locked, institution, signed_on)
    leader, name, function = _signer(user, institution)
    deputy_for = ""
    if not has_role(user, institution.pk, Role.LEITUNG):
        # A named deputy signs "i. V." for the institution's signing Leitung.
        deputy = Deputy.objects.filter(institution=institution, user=user).order_by("-valid_from").first()
        signatory = Leader.objects.filter(institution=institution, signs=True).order_by("position").first()
        leader = None
        name = user.get_full_name() or user.email
        function = (deputy.function if deputy else "") or _("Vertretung")
        deputy_for = (
            f"{signatory.name}, {signatory.function}"
            if signatory
            else _("Leitung von %(name)s") % {"name": institution.name}
        )
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
        deputy_for=deputy_for,
    )
    _attach(signature, locked, institution, contract, method, upload)
    signature.save()
    _after_signature(user, locked)
    logger.info("agreement %s signed for institution %s by user %s", locked.pk, institution.pk, user.pk)
    return signature


def _check_signable(agreement: Agreement, institution, signed_on) -> FrozenContract:
    if Signature.objects.valid().filter(agreement=agreement, institution=institution).exists():
        raise DomainError(_("Für „%(name)s“ ist bereits eine Unterschrift erfasst.") % {"name": institution.name})
    contract = FrozenContract.objects.filter(agreement=agreement, withdrawn_at__isnull=True).first()
    if contract is None:
        raise DomainError(_("Das Vertrags-PDF wird noch erzeugt. Bitte versuchen Sie es gleich noch einmal."))
    if signed_on > timezone.localdate():
        raise DomainError(_("Das Datum der Unterschrift darf nicht in der Zukunft liegen."))
    return contract


def _after_signature(user, agreement: Agreement) -> None:
    signed = set(Signature.objects.valid().filter(agreement=agreement).values_list("institution_id", flat=True))
    if perms.partner_institution_ids(agreement) <= signed:
        enter_into_force(user, agreement)


def _attach(signature: Signature, locked: Agreement, institution, contract, method, upload) -> None:
    if method != SignatureMethod.IN_APP:
        if upload is None:
            raise DomainError(_("Bitte die unterschriebene Datei hochladen."))
        data = _read_bounded(upload)
        if method == SignatureMethod.DIGITAL:
            contract = ensure_contract(locked.pk)
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


@transaction.atomic
def record_paper_signature(
    user, agreement: Agreement, institution, *, signed_on, place, signer_name, signer_function, upload
) -> Signature:
    """The coordinating Koordination records a signature received on paper, with the scanned page."""
    locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
    decision = perms.can_record_paper_signature(user, locked)
    if not decision:
        raise DomainError(decision.reason)
    if institution.pk not in perms.partner_institution_ids(locked):
        raise DomainError(_("Diese Institution ist kein Partner der Vereinbarung."))
    contract = _check_signable(locked, institution, signed_on)
    if upload is None:
        raise DomainError(_("Bitte die unterschriebene Seite als Scan hochladen."))
    signature = Signature(
        agreement=locked,
        institution=institution,
        signer_name=signer_name,
        signer_function=signer_function,
        signed_on=signed_on,
        place=place,
        method=SignatureMethod.SCAN,
        recorded_by=user,
        received_on_paper=True,
    )
    _attach(signature, locked, institution, contract, SignatureMethod.SCAN, upload)
    signature.save()
    _after_signature(user, locked)
    logger.info(
        "paper signature of institution %s for agreement %s recorded by user %s", institution.pk, locked.pk, user.pk
    )
    return signature


@transaction.atomic
def void_signature(user, signature: Signature, reason: str) -> Signature:
    """Declare a wrongly recorded signature void: kept and shown as such, with who, when and why."""
    Agreement.objects.select_for_update().get(pk=signature.agreement_id)
    signature = Signature.objects.select_related("agreement").get(pk=signature.pk)
    decision = perms.can_void_signature(user, signature)
    if not decision:
        raise DomainError(decision.reason)
    if not reason.strip():
        raise DomainError(_("Bitte geben Sie eine Begründung an."))
    signature.voided_at, signature.voided_by, signature.void_reason = timezone.now(), user, reason.strip()
    signature.save(update_fields=["voided_at", "voided_by", "void_reason"])
    agreement = signature.agreement
    notify(
        partner_people(agreement, leitung=True),
        _("Eine Unterschrift wurde für ungültig erklärt"),
        _("Eine Unterschrift unter „%(title)s“ (%(revision)s) wurde für ungültig erklärt: %(reason)s")
        % {"title": agreement.title, "revision": agreement.revision_label, "reason": signature.void_reason},
        reverse("agreement_signatures", args=[agreement.pk]),
        kind=NotificationKind.SIGNATURE,
    )
    return signature


def name_deputy(user, institution, deputy_user, *, function: str, valid_from, valid_until) -> Deputy:
    """A Leitung names a member of its institution as deputy (Vertretung) for a period."""
    decision = perms.can_name_deputy(user, institution.pk)
    if not decision:
        raise DomainError(decision.reason)
    if valid_until < valid_from:
        raise DomainError(_("Das Ende der Vertretung liegt vor ihrem Beginn."))
    if not Membership.objects.filter(user=deputy_user, institution=institution).exists():
        raise DomainError(_("Die Vertretung muss der Institution angehören."))
    deputy = Deputy.objects.create(
        institution=institution,
        user=deputy_user,
        function=function,
        valid_from=valid_from,
        valid_until=valid_until,
        named_by=user,
    )
    notify(
        [deputy_user],
        _("Sie wurden als Vertretung benannt"),
        _("Sie unterzeichnen vom %(start)s bis %(end)s in Vertretung für %(name)s.")
        % {
            "start": valid_from.strftime("%d.%m.%Y"),
            "end": valid_until.strftime("%d.%m.%Y"),
            "name": institution.name,
        },
        reverse("deputies"),
        kind=NotificationKind.SIGNATURE,
    )
    return deputy


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
