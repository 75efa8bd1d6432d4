"""Asking for a person a partner does not have yet (Gremium, Leitung, Untergruppe), from the walk-through."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements import permissions as perms
from kooperation.core.errors import DomainError
from kooperation.network import invitations
from kooperation.network.forms.invitations import PersonRequestForm
from kooperation.network.models import Invitation, Role

# What the person is needed for: its label, the role offered first, and the page to go back to.
PURPOSES = {
    "gremium": (gettext_lazy("Kooperationsgremium"), Role.MITGLIED, "structure_board"),
    "leitung": (gettext_lazy("Leitung, unterzeichnet für die Institution"), Role.LEITUNG, "structure_board"),
    "untergruppe": (gettext_lazy("Untergruppe"), Role.MITGLIED, "structure_subgroups"),
}


def person_request(request, pk: int, institution_pk: int):
    """Koordination of the agreement invites a person for a partner; that partner's Koordination confirms first
    (unless it is the partner's own Koordination asking)."""
    agreement = perms.get_agreement_for(request.user, pk)
    partner = agreement.partners.select_related("institution").filter(institution_id=institution_pk).first()
    if partner is None:
        raise Http404
    perms.require(perms.can_edit_agreement(request.user, agreement))
    institution = partner.institution
    key = request.GET.get("fuer", "")
    key = key if key in PURPOSES else "gremium"
    label, role, back = PURPOSES[key]
    form = PersonRequestForm(request.POST or None, initial={"role": role})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = invitations.request_person(
                request.user,
                institution,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                purpose=f"{label} – {agreement.title}",
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if invitation.status == Invitation.Status.SENT:
                messages.success(
                    request,
                    _("Die Einladung an %(email)s ist verschickt.") % {"email": invitation.user.email},
                )
            else:
                messages.success(
                    request,
                    _(
                        "Die Anfrage ist bei der Koordination von „%(name)s“; nach deren Bestätigung geht die "
                        "Einladung an %(email)s."
                    )
                    % {"name": institution.name, "email": invitation.user.email},
                )
            return redirect(back, pk=agreement.pk)
    return render(
        request,
        "agreements/structure/person_request.html",
        {
            "agreement": agreement,
            "institution": institution,
            "form": form,
            "purpose": label,
            "back": back,
            "direct": invitations.can_confirm(request.user, institution),
        },
    )
