"""The yearly Qualitätsdialog: opening it, self-assessments, comparison and the levels catalogue."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agreements import permissions as perms
from agreements.forms.quality import AssessmentForm, QualityDimensionForm, QualityLevelFormSet
from agreements.models import Agreement, AssessmentStatus, QualityDialogue, QualityDimension, SelfAssessment
from agreements.panels import QUALITY_DIALOGUE, render_panels
from agreements.queries import quality
from agreements.services import quality as service
from kooperation.core.errors import DomainError
from kooperation.core.forms import save_with_conflict_check
from kooperation.network import permissions as network_perms


def _dialogue_for(user, pk: int) -> QualityDialogue:
    """The dialogue with its agreement, if the user sees the agreement (404 otherwise), in one query."""
    dialogue = (
        QualityDialogue.objects.select_related("agreement")
        .filter(pk=pk, agreement__in=Agreement.objects.visible_to(user).values("pk"))
        .first()
    )
    if dialogue is None:
        raise Http404
    return dialogue


def quality_overview(request, pk: int):
    """All dialogues of an agreement series (every revision), each dimension over the years, opening this year's."""
    agreement = perms.get_agreement_for(request.user, pk)
    dialogues = list(QualityDialogue.objects.filter(agreement__in=agreement.revisions().values("pk")))
    dims = quality.dimensions()
    years, series = quality.history(dialogues, dims)
    this_year = timezone.localdate().year
    return render(
        request,
        "agreements/quality/overview.html",
        {
            "agreement": agreement,
            "dialogues": dialogues,
            "years": years,
            "series": series,
            "chart": quality.chart(years, series),
            "this_year": this_year,
            "can_open": perms.is_partner_coordinator(request.user, agreement)
            and this_year not in {d.year for d in dialogues},
        },
    )


@require_POST
def quality_open(request, pk: int):
    """Open this year's dialogue (Koordination of a partner)."""
    agreement = perms.get_agreement_for(request.user, pk)
    perms.require(
        perms.ALLOWED
        if perms.is_partner_coordinator(request.user, agreement)
        else perms.denied(_("Den Qualitätsdialog eröffnet die Koordination einer Partnerinstitution."))
    )
    try:
        dialogue = service.open_dialogue(request.user, agreement, timezone.localdate().year)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("quality_overview", pk=agreement.pk)
    messages.success(request, _("Der Qualitätsdialog %(year)s ist eröffnet.") % {"year": dialogue.year})
    return redirect("quality_dialogue", pk=dialogue.pk)


def quality_dialogue(request, pk: int):
    """All partners' assessments side by side, the talking points, and the dimensions over the years."""
    dialogue = _dialogue_for(request.user, pk)
    agreement = dialogue.agreement
    partners = list(agreement.partners.select_related("institution"))
    # The panels' permission checks read the partner institutions from here.
    agreement._partner_institution_ids = {p.institution_id for p in partners}
    dims = quality.dimensions()
    all_dialogues = list(QualityDialogue.objects.filter(agreement=agreement))
    # Submitted ones of every year, and this year's in any state (for the partners' states), in one query.
    loaded = quality.submitted_assessments(all_dialogues, also_of=dialogue)
    assessments = [a for a in loaded if a.status == AssessmentStatus.SUBMITTED]
    comparison = quality.compare(dialogue, partners, dims, assessments)
    years, series = quality.history(all_dialogues, dims, assessments)
    statuses = {a.institution_id: a for a in loaded if a.dialogue_id == dialogue.pk}
    own = network_perms.institution_ids(request.user)
    return render(
        request,
        "agreements/quality/dialogue.html",
        {
            "agreement": agreement,
            "dialogue": dialogue,
            "comparison": comparison,
            "partner_states": [(p, statuses.get(p.institution_id)) for p in partners],
            "own_institutions": own,
            "years": years,
            "series": series,
            "chart": quality.chart(years, series),
            "panels": render_panels(QUALITY_DIALOGUE, request, dialogue),
        },
    )


def assessment_edit(request, pk: int, institution_pk: int):
    """A partner's self-assessment; drafts are visible only inside its institution."""
    dialogue = _dialogue_for(request.user, pk)
    if institution_pk not in network_perms.institution_ids(request.user):
        raise Http404
    assessment = get_object_or_404(
        SelfAssessment.objects.select_related("institution", "dialogue").prefetch_related("ratings", "conditions"),
        dialogue=dialogue,
        institution_id=institution_pk,
    )
    may_edit = perms.can_assess(request.user, assessment)
    submit = request.method == "POST" and "abgeben" in request.POST
    form = AssessmentForm(
        request.POST or None,
        assessment=assessment,
        dimensions=quality.dimensions(),
        conditions=quality.conditions(),
        submit=submit,
    )
    if request.method == "POST":
        perms.require(may_edit)
        if form.is_valid():
            try:
                saved = save_with_conflict_check(
                    form,
                    save=lambda: service.save_assessment(
                        request.user, assessment, form.values(), form.cleaned_data["version"], submit
                    ),
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                if saved and submit:
                    messages.success(request, _("Ihre Selbsteinschätzung ist abgegeben."))
                    return redirect("quality_dialogue", pk=dialogue.pk)
                if saved:
                    messages.success(request, _("Der Entwurf wurde gespeichert."))
                    return redirect("quality_assessment", pk=dialogue.pk, institution_pk=institution_pk)
    return render(
        request,
        "agreements/quality/assessment.html",
        {
            "dialogue": dialogue,
            "agreement": dialogue.agreement,
            "assessment": assessment,
            "form": form,
            "may_edit": may_edit,
            "submitted": assessment.status == AssessmentStatus.SUBMITTED,
        },
    )


def quality_levels(request):
    """Administration edits the dimensions and the names and descriptions of their five levels."""
    perms.require(network_perms.can_manage_catalogues(request.user))
    return render(request, "agreements/quality/levels.html", {"dimensions": quality.dimensions()})


def quality_dimension_edit(request, pk: int):
    perms.require(network_perms.can_manage_catalogues(request.user))
    dimension = get_object_or_404(QualityDimension, pk=pk)
    form = QualityDimensionForm(request.POST or None, instance=dimension, prefix="dimension")
    formset = QualityLevelFormSet(request.POST or None, instance=dimension, prefix="stufen")
    if request.method == "POST" and form.is_valid() and formset.is_valid() and save_with_conflict_check(form, formset):
        messages.success(request, _("Die Stufen wurden gespeichert."))
        return redirect("quality_levels")
    return render(
        request, "agreements/quality/dimension_form.html", {"dimension": dimension, "form": form, "formset": formset}
    )
