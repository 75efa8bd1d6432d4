"""The contract PDF, signatures, revisions and amendments."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agreements import permissions as perms
from agreements.documents import ContractRenderer
from agreements.forms.signing import SignatureForm
from agreements.models import FrozenContract, Signature
from agreements.services import signing
from kooperation.core.documents import pdf_response
from kooperation.core.errors import DomainError


def contract_preview(request, pk: int):
    """The contract PDF of the current text, marked 'Entwurf' on every page."""
    agreement = perms.get_agreement_for(request.user, pk)
    return pdf_response(ContractRenderer(agreement, draft=True))


def contract_download(request, pk: int):
    """The stored contract of a frozen revision: always the identical bytes."""
    agreement = perms.get_agreement_for(request.user, pk)
    if agreement.status not in signing.FROZEN:
        raise Http404
    try:
        contract = signing.ensure_contract(agreement.pk)
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
    contract = FrozenContract.objects.filter(agreement=agreement).first()
    return signing.ensure_contract(agreement.pk) if contract is not None and not contract.file else contract


def agreement_signatures(request, pk: int):
    """Who signed, when and how; what is outstanding; the form for a partner's Leitung."""
    agreement = perms.get_agreement_for(request.user, pk)
    partners = list(agreement.partners.select_related("institution"))
    signatures = {s.institution_id: s for s in Signature.objects.filter(agreement=agreement)}
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
            "contract": _stored_contract(agreement),
            "form": form,
        },
    )


def signature_file(request, pk: int):
    """The uploaded signed page or signed PDF, behind the agreement's access check."""
    signature = Signature.objects.filter(pk=pk).first()
    if signature is None or not signature.file:
        raise Http404
    perms.get_agreement_for(request.user, signature.agreement_id)
    return FileResponse(signature.file.open("rb"), as_attachment=True, filename=signature.file.name.rsplit("/", 1)[-1])


def agreement_revisions(request, pk: int):
    """Every revision of the agreement with status, dates, contract and fingerprint."""
    agreement = perms.get_agreement_for(request.user, pk)
    revisions = agreement.revisions().select_related("frozen_contract")
    return render(request, "agreements/revisions.html", {"agreement": agreement, "revisions": revisions})


@require_POST
def agreement_amend(request, pk: int):
    """Änderung beginnen: the next revision as an editable copy."""
    agreement = perms.get_agreement_for(request.user, pk)
    try:
        amendment = signing.start_amendment(request.user, agreement)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(agreement)
    messages.success(
        request,
        _("%(revision)s ist angelegt; die geltende Fassung bleibt in Kraft, bis die Änderung unterzeichnet ist.")
        % {"revision": amendment.revision_label},
    )
    return redirect("agreement_guide", pk=amendment.pk)
