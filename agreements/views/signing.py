"""The contract PDF, signatures, revisions and amendments."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agreements import permissions as perms
from agreements.documents import ContractRenderer
from agreements.forms.signing import DeputyForm, PaperSignatureForm, ReasonForm, SignatureForm
from agreements.models import Deputy, FrozenContract, Signature
from agreements.services import signing, validity
from agreements.services.contract import FROZEN, ensure_contract
from kooperation.core.documents import pdf_response
from kooperation.core.errors import DomainError
from kooperation.core.uploads import kind_of_name, stored_file_response
from kooperation.network.models import Institution, Role, User
from kooperation.network.permissions import institution_ids


def contract_preview(request, pk: int):
    """The contract PDF of the current text, marked 'Entwurf' on every page."""
    agreement = perms.get_agreement_for(request.user, pk)
    # Served from the shared documents cache while the agreement (version) and the rendered text stay the same.
    return pdf_response(
        ContractRenderer(agreement, draft=True), cache_key=f"contract-preview:{agreement.pk}:v{agreement.version}"
    )


def contract_download(request, pk: int):
    """The stored contract of a frozen revision: always the identical bytes."""
    agreement = perms.get_agreement_for(request.user, pk)
    if agreement.status not in FROZEN:
        raise Http404
    try:
        contract = ensure_contract(agreement.pk)
    except DomainError as error:
        raise Http404 from error
    return FileResponse(
        contract.file.open("rb"),
        as_attachment=True,
        filename=f"Kooperationsvereinbarung-{agreement.pk}-Rev{agreement.revision:03d}.pdf",
        content_type="application/pdf",
    )


def _stored_contract(agreement):
    """The frozen contract with its SHA-256; one recorded for rendering later is rendered now."""
    contract = FrozenContract.objects.filter(agreement=agreement, withdrawn_at__isnull=True).first()
    return ensure_contract(agreement.pk) if contract is not None and not contract.file else contract


def agreement_signatures(request, pk: int):
    """Who signed, when and how; what is outstanding; the form for a partner's Leitung."""
    agreement = perms.get_agreement_for(request.user, pk)
    partners = list(agreement.partners.select_related("institution"))
    all_signatures = list(Signature.objects.filter(agreement=agreement).select_related("recorded_by", "voided_by"))
    perms.deputy_institution_ids(request.user)  # loaded once here, so the page's query count stays fixed
    for signature in all_signatures:
        signature.agreement = agreement
    signatures = {s.institution_id: s for s in all_signatures if not s.voided_at}
    may_sign = [
        p.institution
        for p in partners
        if p.institution_id not in signatures and perms.can_sign(request.user, agreement, p.institution)
    ]
    form = SignatureForm(request.POST or None, request.FILES or None, institutions=may_sign) if may_sign else None
    if request.method == "POST":
        # Signing for a partner the user may not sign for is refused with the reason, not a form error.
        chosen = next(
            (p.institution for p in partners if str(p.institution_id) == request.POST.get("institution")), None
        )
        if chosen is not None and chosen not in may_sign and chosen.pk not in signatures:
            perms.require(perms.can_sign(request.user, agreement, chosen))
        if form is None:
            perms.require(perms.denied(_("Sie können für keine Partnerinstitution dieser Vereinbarung unterzeichnen.")))
        if form.is_valid():
            institution = next(i for i in may_sign if i.pk == form.cleaned_data["institution"])
            try:
                signing.record_signature(
                    request.user,
                    agreement,
                    institution,
                    signed_on=form.cleaned_data["signed_on"],
                    place=form.cleaned_data["place"],
                    method=form.cleaned_data["method"],
                    upload=form.cleaned_data.get("file"),
                )
            except DomainError as error:
                form.add_error("file" if form.cleaned_data.get("file") else None, error.message)
            else:
                messages.success(
                    request, _("Die Unterschrift für „%(name)s“ ist erfasst.") % {"name": institution.name}
                )
                return redirect("agreement_signatures", pk=agreement.pk)
    return render(
        request,
        "agreements/signatures.html",
        {
            "agreement": agreement,
            "rows": [(p, signatures.get(p.institution_id)) for p in partners],
            "voided": [s for s in all_signatures if s.voided_at],
            "contract": _stored_contract(agreement),
            "form": form,
            "may_record_paper": perms.can_record_paper_signature(request.user, agreement)
            and len(signatures) < len(partners),
            "may_void": {s.pk for s in signatures.values() if perms.can_void_signature(request.user, s)},
        },
    )


def paper_signature(request, pk: int):
    """Koordination of the coordinating institution records a signature received on paper (with its scan)."""
    agreement = perms.get_agreement_for(request.user, pk)
    perms.require(perms.can_record_paper_signature(request.user, agreement))
    signed = set(Signature.objects.valid().filter(agreement=agreement).values_list("institution_id", flat=True))
    outstanding = [
        p.institution for p in agreement.partners.select_related("institution") if p.institution_id not in signed
    ]
    form = PaperSignatureForm(request.POST or None, request.FILES or None, institutions=outstanding)
    if request.method == "POST" and form.is_valid():
        institution = next(i for i in outstanding if i.pk == form.cleaned_data["institution"])
        try:
            signing.record_paper_signature(
                request.user,
                agreement,
                institution,
                signed_on=form.cleaned_data["signed_on"],
                place=form.cleaned_data["place"],
                signer_name=form.cleaned_data["signer_name"],
                signer_function=form.cleaned_data["signer_function"],
                upload=form.cleaned_data["file"],
            )
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, _("Die Unterschrift für „%(name)s“ ist erfasst.") % {"name": institution.name})
            return redirect("agreement_signatures", pk=agreement.pk)
    return render(request, "agreements/paper_signature.html", {"agreement": agreement, "form": form})


def signature_void(request, pk: int):
    """Declare a wrongly recorded signature void: confirmation page with the reason, POST voids it."""
    signature = Signature.objects.filter(pk=pk).first()
    if signature is None:
        raise Http404
    agreement = perms.get_agreement_for(request.user, signature.agreement_id)
    signature.agreement = agreement
    perms.require(perms.can_void_signature(request.user, signature))
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signing.void_signature(request.user, signature, form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Die Unterschrift ist jetzt ungültig; sie bleibt als ungültig sichtbar."))
            return redirect("agreement_signatures", pk=agreement.pk)
    return render(
        request, "agreements/signature_void.html", {"agreement": agreement, "signature": signature, "form": form}
    )


def deputies(request):
    """A Leitung names deputies (Vertretung, "i. V.") for its institutions; deputies see their own."""
    leading = institution_ids(request.user, Role.LEITUNG)
    institutions = list(Institution.objects.filter(pk__in=leading).order_by("name"))
    candidates = list(
        User.objects.filter(memberships__institution_id__in=leading, is_active=True)
        .exclude(pk=request.user.pk)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
    form = DeputyForm(request.POST or None, institutions=institutions, candidates=candidates) if leading else None
    if request.method == "POST":
        perms.require(perms.can_name_deputy(request.user, next(iter(leading), 0)))
        if form.is_valid():
            institution = next(i for i in institutions if i.pk == form.cleaned_data["institution"])
            deputy_user = next(u for u in candidates if u.pk == form.cleaned_data["user"])
            try:
                signing.name_deputy(
                    request.user,
                    institution,
                    deputy_user,
                    function=form.cleaned_data["function"],
                    valid_from=form.cleaned_data["valid_from"],
                    valid_until=form.cleaned_data["valid_until"],
                )
            except DomainError as error:
                form.add_error("user", error.message)
            else:
                messages.success(request, _("Die Vertretung ist benannt."))
                return redirect("deputies")
    named = Deputy.objects.filter(institution_id__in=leading).select_related("institution", "user", "named_by")
    own = Deputy.objects.filter(user=request.user).select_related("institution", "named_by")
    return render(
        request,
        "agreements/deputies.html",
        {"form": form, "named": list(named), "own": list(own), "today": timezone.localdate()},
    )


def signature_file(request, pk: int):
    """The uploaded signed page or signed PDF, behind the agreement's access check."""
    signature = Signature.objects.filter(pk=pk).first()
    if signature is None or not signature.file:
        raise Http404
    perms.get_agreement_for(request.user, signature.agreement_id)
    name = signature.file.name.rsplit("/", 1)[-1]
    return stored_file_response(signature.file.open("rb"), filename=name, kind=kind_of_name(name))


def agreement_revisions(request, pk: int):
    """Every revision of the agreement with status, dates, contract and fingerprint."""
    agreement = perms.get_agreement_for(request.user, pk)
    revisions = agreement.revisions().prefetch_related(
        Prefetch(
            "contracts", queryset=FrozenContract.objects.filter(withdrawn_at__isnull=True), to_attr="current_contracts"
        )
    )
    return render(request, "agreements/revisions.html", {"agreement": agreement, "revisions": revisions})


@require_POST
def agreement_amend(request, pk: int):
    """Änderung beginnen: the next revision as an editable copy."""
    agreement = perms.get_agreement_for(request.user, pk)
    try:
        amendment = validity.start_amendment(request.user, agreement)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(agreement)
    messages.success(
        request,
        _("%(revision)s ist angelegt; die geltende Fassung bleibt in Kraft, bis die Änderung unterzeichnet ist.")
        % {"revision": amendment.revision_label},
    )
    return redirect("agreement_guide", pk=amendment.pk)
