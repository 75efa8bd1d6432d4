"""Working in the structure: subgroup answers, internal clarification, consolidation and the approval round."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from agreements import permissions as perms
from agreements.forms.structure import AnswerFormSet, DecisionForm, ReflectionFormSet
from agreements.models import Agreement, AnswerStatus, GuidingQuestion, Reflection, SubgroupAnswer
from agreements.queries.collaboration import open_threads_by_section
from agreements.queries.compare import compare_revisions
from agreements.queries.sections import SECTIONS, with_full_text
from agreements.services import structure as service
from agreements.services.contract import FROZEN
from agreements.views.structure import guide_context, load_for_guide
from kooperation.core.errors import DomainError
from kooperation.core.forms import save_with_conflict_check
from kooperation.network import permissions as network_perms


def subgroup_work(request, pk: int):
    """The subgroup's own page: answer the questions (draft) and hand them over to the board."""
    subgroup = perms.get_subgroup_for(request.user, pk)
    agreement = subgroup.agreement
    may_answer = perms.can_answer(request.user, subgroup)
    queryset = SubgroupAnswer.objects.filter(subgroup=subgroup).select_related("question", "updated_by")
    formset = AnswerFormSet(
        request.POST or None, queryset=queryset.filter(status=AnswerStatus.DRAFT), prefix="antworten"
    )
    if request.method == "POST":
        perms.require(may_answer)
        if formset.is_valid():
            try:
                saved = save_with_conflict_check(
                    formset,
                    save=lambda: service.save_answers(
                        request.user, subgroup, formset, submit="uebergeben" in request.POST
                    ),
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                if saved:
                    _say_answers_saved(request, saved.value)
                    return redirect("subgroup_work", pk=subgroup.pk)
    return render(
        request,
        "agreements/structure/subgroup_work.html",
        {
            "agreement": agreement,
            "subgroup": subgroup,
            "formset": formset,
            "submitted": queryset.filter(status=AnswerStatus.SUBMITTED),
            "may_answer": may_answer,
            "members": subgroup.members.all(),
        },
    )


def _say_answers_saved(request, submitted: int) -> None:
    """Tell how many answers went to the board, or that only drafts were saved."""
    if submitted:
        messages.success(
            request,
            ngettext(
                "%(count)d Antwort wurde an das Gremium übergeben.",
                "%(count)d Antworten wurden an das Gremium übergeben.",
                submitted,
            )
            % {"count": submitted},
        )
    elif "uebergeben" in request.POST:
        messages.warning(
            request,
            _(
                "Es wurde nichts übergeben: an das Gremium gehen nur beantwortete Fragen. "
                "Die Entwürfe wurden gespeichert."
            ),
        )
    else:
        messages.success(request, _("Die Entwürfe wurden gespeichert."))


@require_POST
def answer_reopen(request, pk: int):
    """Take a submitted answer back into draft."""
    answer = SubgroupAnswer.objects.select_related("subgroup__agreement").filter(pk=pk).first()
    subgroup = perms.get_subgroup_for(request.user, answer.subgroup_id if answer else 0)
    perms.require(perms.can_answer(request.user, subgroup))
    try:
        service.reopen_answer(request.user, answer)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Die Antwort ist wieder ein Entwurf."))
    return redirect("subgroup_work", pk=subgroup.pk)


def partner_reflection(request, pk: int, partner_pk: int):
    """A partner's internal clarification: the five questions of seed 001."""
    agreement = perms.get_agreement_for(request.user, pk)
    partner = perms.get_partner_for(request.user, agreement, partner_pk)
    partner.agreement = agreement
    may_edit = perms.can_edit_reflection(request.user, partner)
    formset = ReflectionFormSet(
        request.POST or None, queryset=Reflection.objects.filter(partner=partner), prefix="fragen"
    )
    if request.method == "POST":
        perms.require(may_edit)
        if formset.is_valid():
            with_submit = "uebergeben" in request.POST
            try:
                saved = save_with_conflict_check(
                    formset, save=lambda: service.save_reflections(partner, formset, submit=with_submit)
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                if saved:
                    messages.success(
                        request,
                        _("Die interne Klärung wurde an das Gremium übergeben.") if with_submit else _("Gespeichert."),
                    )
                    return redirect("partner_reflection", pk=agreement.pk, partner_pk=partner.pk)
    return render(
        request,
        "agreements/structure/reflection.html",
        {"agreement": agreement, "partner": partner, "formset": formset, "may_edit": may_edit},
    )


def agreement_answers(request, pk: int):
    """Board consolidation: every question with all subgroups' submitted answers side by side."""
    agreement, structure = load_for_guide(request, pk)
    submitted = [a for a in structure.answers if a.status == AnswerStatus.SUBMITTED]
    by_question = defaultdict(dict)
    for answer in submitted:
        by_question[answer.question_id][answer.subgroup_id] = answer
    questions = list(GuidingQuestion.objects.filter(agreement=agreement))
    rows = [(q, [(g, by_question[q.pk].get(g.pk)) for g in structure.subgroups]) for q in questions]
    reflections = defaultdict(dict)
    for reflection in structure.reflections:
        if reflection.status == AnswerStatus.SUBMITTED:
            reflections[reflection.position][reflection.partner_id] = reflection
    texts = {}
    for reflection in structure.reflections:
        texts.setdefault(reflection.position, reflection.question)
    reflection_rows = [
        (texts[pos], [(p, reflections[pos].get(p.pk)) for p in structure.partners]) for pos in sorted(texts)
    ]
    own = network_perms.institution_ids(request.user)
    return render(
        request,
        "agreements/structure/answers.html",
        guide_context(
            request,
            agreement,
            structure,
            "ergebnisse",
            rows=rows,
            reflection_rows=reflection_rows,
            my_subgroups=[
                g
                for g in structure.subgroups
                if request.user in g.members.all() or set(structure.subgroup_institutions(g)) & own
            ],
            my_partners=[p for p in structure.partners if p.institution_id in own],
        ),
    )


def _text_to_approve(agreement) -> dict:
    """The text as it will be signed; for a later revision only what changed since the one before.

    `agreement` comes with its full text (`load_for_guide(..., full_text=True)`).
    """
    text = agreement
    context = {
        "text": text,
        "text_sections": list(enumerate(SECTIONS, start=2)),
        "changes": None,
        "contract_frozen": agreement.status in FROZEN,  # then the stored contract, not a fresh draft
    }
    if agreement.predecessor_id:
        older = with_full_text(Agreement.objects.filter(pk=agreement.predecessor_id)).get()
        diffs = compare_revisions(older, text)
        context["changes"] = [diff for diff in diffs if diff.changed]
        context["unchanged_count"] = len(diffs) - len(context["changes"])
        context["predecessor"] = older
    return context


def agreement_approval(request, pk: int):
    """The approval round: each partner's decision, and the form for board representatives."""
    agreement, structure = load_for_guide(request, pk, full_text=True)
    state = structure.approval_state()
    own = network_perms.institution_ids(request.user)
    mine = {b.institution_id for b in structure.board if b.user_id == request.user.pk and b.institution_id in own}
    open_for_me = [p.institution for p, decision in state if decision is None and p.institution_id in mine]
    form = None
    if open_for_me and agreement.status == "in_abstimmung":
        form = DecisionForm(request.POST or None, institutions=open_for_me)
        if request.method == "POST" and form.is_valid():
            try:
                service.decide(
                    request.user,
                    agreement,
                    form.cleaned_data["institution"],
                    form.cleaned_data["decision"],
                    form.cleaned_data["comment"],
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Ihre Entscheidung wurde gespeichert."))
                return redirect("agreement_approval", pk=agreement.pk)
    elif request.method == "POST":
        perms.require(
            perms.denied(
                _(
                    "Sie können hier gerade nicht entscheiden: Es läuft keine Abstimmung, "
                    "oder Ihre Partnerinstitution hat schon entschieden, oder Sie vertreten keine "
                    "Partnerinstitution im Kooperationsgremium."
                )
            )
        )
    return render(
        request,
        "agreements/structure/approval.html",
        guide_context(
            request,
            agreement,
            structure,
            "abstimmung",
            full=agreement,
            **_text_to_approve(agreement),
            state=[
                (p, decision, [b.user for b in structure.board if b.institution_id == p.institution_id])
                for p, decision in state
            ],
            form=form,
            rounds=structure.rounds,
            open_threads=open_threads_by_section(agreement),
        ),
    )
