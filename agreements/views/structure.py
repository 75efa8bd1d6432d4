"""The guided walk-through: structure steps, subgroup work, consolidation and the approval round."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from agreements import permissions as perms
from agreements.forms.structure import (
    AnswerFormSet,
    BoardForm,
    DecisionForm,
    PrepGroupForm,
    QuestionForm,
    ReflectionFormSet,
    SubgroupCreateForm,
    SubgroupForm,
)
from agreements.models import Agreement, AnswerStatus, GuidingQuestion, Reflection, SubgroupAnswer
from agreements.queries.sections import incomplete_reasons, with_full_text
from agreements.queries.structure import BOARD_TASKS, PREP_GROUP_TASKS, SUBGROUP_TASKS, Structure
from agreements.services import lifecycle
from agreements.services import structure as service
from kooperation.core.concurrency import ConflictError
from kooperation.core.errors import DomainError
from kooperation.network import permissions as network_perms


def _context(request, agreement, structure, current: str, **extra) -> dict:
    full = with_full_text(Agreement.objects.filter(pk=agreement.pk)).get()
    steps = structure.steps(incomplete_reasons(full))
    # The transition checks below reuse what this page has loaded already.
    agreement._structure_cache = structure
    agreement._full_text_cache = full
    return {
        "agreement": agreement,
        "structure": structure,
        "steps": steps,
        "current_step": next((s for s in steps if s.key == current), None),
        "steps_done": sum(1 for s in steps if s.done),
        "can_edit": perms.can_edit_agreement(request.user, agreement),
        "transitions": lifecycle.available(request.user, agreement),
        **extra,
    }


@login_required
def agreement_guide(request, pk: int):
    """The walk-through overview: eight steps, what is done, what is missing, why a step is locked."""
    agreement = perms.get_agreement_for(request.user, pk)
    structure = Structure(agreement)
    return render(request, "agreements/structure/guide.html", _context(request, agreement, structure, ""))


def _structure_page(request, pk, key, form_class, save, template, tasks):
    agreement = perms.get_agreement_for(request.user, pk)
    structure = Structure(agreement)
    can_edit = perms.can_edit_agreement(request.user, agreement)
    form = form_class(request.POST if request.method == "POST" else None, structure=structure)
    if request.method == "POST":
        perms.require(can_edit)
        if form.is_valid():
            try:
                save(agreement, form.chosen(), form.cleaned_data["version"])
            except ConflictError as conflict:
                data = request.POST.copy()
                data["version"] = str(conflict.current.version)
                structure = Structure(conflict.current)
                form = form_class(data, structure=structure)
                form.is_valid()
                form.add_error(
                    None,
                    _(
                        "Die Vereinbarung wurde inzwischen von jemand anderem geändert. Ihre Auswahl steht noch "
                        "im Formular; prüfen Sie die gespeicherte Besetzung und speichern Sie erneut."
                    ),
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Die Besetzung wurde gespeichert."))
                return redirect(request.path)
    return render(request, template, _context(request, agreement, structure, key, form=form, tasks=tasks))


@login_required
def structure_prep(request, pk: int):
    """Vorbereitungsgruppe: exactly one representative per Arbeitsfeld among the partners."""
    return _structure_page(
        request,
        pk,
        "vorbereitung",
        PrepGroupForm,
        service.set_prep_group,
        "agreements/structure/prep.html",
        PREP_GROUP_TASKS,
    )


@login_required
def structure_board(request, pk: int):
    """Kooperationsgremium: at least one representative of every partner institution."""
    return _structure_page(
        request, pk, "gremium", BoardForm, service.set_board, "agreements/structure/board.html", BOARD_TASKS
    )


@login_required
def structure_subgroups(request, pk: int):
    """Untergruppen: create them per institution or per field, staff them, assign questions."""
    agreement = perms.get_agreement_for(request.user, pk)
    structure = Structure(agreement)
    can_edit = perms.can_edit_agreement(request.user, agreement)
    create_form = SubgroupCreateForm(request.POST if request.POST.get("action") == "create" else None)
    question_form = QuestionForm(
        request.POST if request.POST.get("action") == "question" else None, agreement=agreement
    )
    if request.method == "POST":
        perms.require(can_edit)
        try:
            if create_form.is_bound and create_form.is_valid():
                created = service.create_subgroups(agreement, create_form.cleaned_data["scope"], request.user)
                if created:
                    messages.success(
                        request,
                        ngettext(
                            "%(count)d Untergruppe angelegt; alle Leitfragen sind zugewiesen.",
                            "%(count)d Untergruppen angelegt; alle Leitfragen sind zugewiesen.",
                            len(created),
                        )
                        % {"count": len(created)},
                    )
                else:
                    messages.info(request, _("Es fehlt keine Untergruppe; es wurde keine neue angelegt."))
                return redirect(request.path)
            if question_form.is_bound and question_form.is_valid():
                service.add_question(
                    agreement,
                    question_form.cleaned_data["text"],
                    question_form.cleaned_data["section"],
                    question_form.cleaned_data["subgroups"],
                )
                messages.success(request, _("Die Frage wurde hinzugefügt."))
                return redirect(request.path)
        except DomainError as error:
            messages.error(request, error.message)
    answers_by_group = defaultdict(lambda: [0, 0])
    for answer in structure.answers:
        answers_by_group[answer.subgroup_id][1] += 1
        if answer.status == AnswerStatus.SUBMITTED:
            answers_by_group[answer.subgroup_id][0] += 1
    groups = [(g, answers_by_group[g.pk]) for g in structure.subgroups]
    return render(
        request,
        "agreements/structure/subgroups.html",
        _context(
            request,
            agreement,
            structure,
            "untergruppen",
            create_form=create_form,
            question_form=question_form,
            groups=groups,
            tasks=SUBGROUP_TASKS,
            questions=GuidingQuestion.objects.filter(agreement=agreement),
        ),
    )


@login_required
def subgroup_edit(request, pk: int):
    """Name, members (only from the subgroup's institution or field) and questions of one subgroup."""
    # Any partner's Koordination staffs every subgroup; the page shows no drafts.
    subgroup = perms.get_subgroup_for(request.user, pk, drafts=False)
    agreement = subgroup.agreement
    perms.require(perms.can_edit_agreement(request.user, agreement))
    structure = Structure(agreement)
    form = SubgroupForm(request.POST or None, instance=subgroup, structure=structure)
    if request.method == "POST" and form.is_valid():
        try:
            service.update_subgroup(
                subgroup,
                name=form.cleaned_data["name"],
                members=list(form.cleaned_data["members"]),
                questions=list(form.cleaned_data["questions"]),
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ConflictError as conflict:
            form.show_conflict(conflict.current)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Die Untergruppe wurde gespeichert."))
            return redirect("structure_subgroups", pk=agreement.pk)
    return render(
        request,
        "agreements/structure/subgroup_form.html",
        _context(request, agreement, structure, "untergruppen", form=form, subgroup=subgroup),
    )


@login_required
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
                submitted = service.save_answers(request.user, subgroup, formset, submit="uebergeben" in request.POST)
            except ConflictError as conflict:
                getattr(conflict, "form", formset.forms[0]).show_conflict(conflict.current)
            except DomainError as error:
                messages.error(request, error.message)
            else:
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


@require_POST
@login_required
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


@login_required
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
            try:
                with_submit = "uebergeben" in request.POST
                service.save_reflections(partner, formset, submit=with_submit)
            except ConflictError as conflict:
                getattr(conflict, "form", formset.forms[0]).show_conflict(conflict.current)
            except DomainError as error:
                messages.error(request, error.message)
            else:
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


@login_required
def agreement_answers(request, pk: int):
    """Board consolidation: every question with all subgroups' submitted answers side by side."""
    agreement = perms.get_agreement_for(request.user, pk)
    structure = Structure(agreement)
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
        _context(
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


@login_required
def agreement_approval(request, pk: int):
    """The approval round: each partner's decision, and the form for board representatives."""
    agreement = perms.get_agreement_for(request.user, pk)
    structure = Structure(agreement)
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
        _context(
            request,
            agreement,
            structure,
            "abstimmung",
            state=[
                (p, decision, [b.user for b in structure.board if b.institution_id == p.institution_id])
                for p, decision in state
            ],
            form=form,
            rounds=structure.rounds,
        ),
    )
