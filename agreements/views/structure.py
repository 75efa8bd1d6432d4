"""The guided walk-through: the steps, and setting up the Vorbereitungsgruppe, the Gremium and the Untergruppen."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agreements import permissions as perms
from agreements.forms.structure import BoardForm, PrepGroupForm, QuestionForm, SubgroupCreateForm, SubgroupForm
from agreements.models import Agreement, AnswerStatus, GuidingQuestion
from agreements.queries.sections import incomplete_reasons, text_outline, with_full_text, with_outline
from agreements.queries.structure import BOARD_TASKS, PREP_GROUP_TASKS, SUBGROUP_TASKS, Structure
from agreements.services import lifecycle
from agreements.services import structure as service
from kooperation.core.concurrency import ConflictError
from kooperation.core.errors import DomainError
from kooperation.core.forms import rebind_after_conflict, save_with_conflict_check


def load_for_guide(request, pk: int, full_text: bool = False):
    """The agreement (404 outside the user's scope) and its Structure, for a page of the walk-through.

    One query for the agreement with its one-to-one sections and partners (`with_outline`), or with its
    whole text (`with_full_text`) where the page shows it; the Structure reuses the partners.
    """
    agreement = perms.get_agreement_for(request.user, pk, load=with_full_text if full_text else with_outline)
    return agreement, Structure(agreement, partners=list(agreement.partners.all()))


def guide_context(request, agreement, structure, current: str, full=None, **extra) -> dict:
    """Build what every page of the walk-through shows: the steps, the current one, and the next transitions.

    `agreement` comes with `with_outline` or `with_full_text` (see `load_for_guide`); `full` is the agreement
    with its full text where the page has loaded it, else the outline of the text is read (one query).
    """
    full = full if full is not None else text_outline(agreement)
    steps = structure.steps(incomplete_reasons(full))
    can_edit = perms.can_edit_agreement(request.user, agreement)
    for step in steps:
        # Step 1's page edits the partners: a link only for those the page lets in (same check as the view).
        step.linked = step.url_name != "agreement_partners" or bool(can_edit)
        # Reversed once here; the steps bar and the overview both link it.
        step.url = reverse(step.url_name, args=[agreement.pk])
    # The transition checks below reuse what this page has loaded already.
    agreement._structure_cache = structure
    agreement._full_text_cache = full
    return {
        "agreement": agreement,
        "structure": structure,
        "steps": steps,
        "current_step": next((s for s in steps if s.key == current), None),
        "steps_done": sum(1 for s in steps if s.done),
        "can_edit": can_edit,
        "transitions": lifecycle.available(request.user, agreement),
        **extra,
    }


def agreement_guide(request, pk: int):
    """The walk-through overview: eight steps, what is done, what is missing, why a step is locked."""
    agreement, structure = load_for_guide(request, pk)
    return render(request, "agreements/structure/guide.html", guide_context(request, agreement, structure, ""))


def _structure_page(request, pk, key, form_class, save, template, tasks, missing=False):
    agreement, structure = load_for_guide(request, pk)
    can_edit = perms.can_edit_agreement(request.user, agreement)
    form = form_class(request.POST if request.method == "POST" else None, structure=structure)
    if request.method == "POST":
        perms.require(can_edit)
        if form.is_valid():
            try:
                save(agreement, form.chosen(), form.cleaned_data["version"])
            except ConflictError as conflict:
                structure = Structure(conflict.current)
                form = rebind_after_conflict(
                    form_class,
                    request.POST,
                    conflict.current,
                    _(
                        "Die Vereinbarung wurde inzwischen von jemand anderem geändert. Ihre Auswahl steht noch "
                        "im Formular; prüfen Sie die gespeicherte Besetzung und speichern Sie erneut."
                    ),
                    structure=structure,
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Die Besetzung wurde gespeichert."))
                return redirect(request.path)
    extra = {"missing_people": structure.missing_people()} if missing else {}
    return render(request, template, guide_context(request, agreement, structure, key, form=form, tasks=tasks, **extra))


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


def structure_board(request, pk: int):
    """Kooperationsgremium: at least one representative of every partner institution."""
    return _structure_page(
        request,
        pk,
        "gremium",
        BoardForm,
        service.set_board,
        "agreements/structure/board.html",
        BOARD_TASKS,
        missing=True,
    )


def structure_subgroups(request, pk: int):
    """Untergruppen: create them per institution or per field, staff them, assign questions."""
    agreement, structure = load_for_guide(request, pk)
    can_edit = perms.can_edit_agreement(request.user, agreement)
    # The Leitfragen are listed and offered; the question form offers the subgroups the structure has loaded.
    questions = list(GuidingQuestion.objects.filter(agreement=agreement))
    create_form = SubgroupCreateForm(
        request.POST if request.POST.get("action") == "create" else None,
        agreement=agreement if can_edit else None,
        questions=questions,
    )
    question_form = QuestionForm(
        request.POST if request.POST.get("action") == "question" else None,
        agreement=agreement,
        subgroups=structure.subgroups,
    )
    if request.method == "POST":
        perms.require(can_edit)
        try:
            if create_form.is_bound and create_form.is_valid():
                chosen = create_form.question_ids()
                created = service.create_subgroups(agreement, create_form.cleaned_data["scope"], request.user, chosen)
                if created:
                    total = GuidingQuestion.objects.filter(agreement=agreement).count()
                    messages.success(request, _created_message(len(created), chosen, total))
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
    groups = [(g, answers_by_group[g.pk], _partners_of(structure, g)) for g in structure.subgroups]
    return render(
        request,
        "agreements/structure/subgroups.html",
        guide_context(
            request,
            agreement,
            structure,
            "untergruppen",
            create_form=create_form,
            question_form=question_form,
            groups=groups,
            tasks=SUBGROUP_TASKS,
            questions=questions,
        ),
    )


def _partners_of(structure, subgroup) -> list:
    """The partner institutions a subgroup draws its members from (for "Person einladen")."""
    ids = set(structure.subgroup_institutions(subgroup))
    return [p.institution for p in structure.partners if p.institution_id in ids]


def _created_message(count: int, chosen, total: int) -> str:
    """Say how many subgroups were made and which Leitfragen they got: all, some, or none of them."""
    groups = ngettext("%(count)d Untergruppe angelegt", "%(count)d Untergruppen angelegt", count) % {"count": count}
    if chosen is None or len(chosen) >= total:
        questions = _("alle Leitfragen sind zugewiesen.")
    elif not chosen:
        questions = _("noch keine Leitfrage zugewiesen – bitte beim Besetzen Fragen wählen.")
    else:
        questions = ngettext(
            "%(chosen)d von %(total)d Leitfragen ist zugewiesen.",
            "%(chosen)d von %(total)d Leitfragen sind zugewiesen.",
            len(chosen),
        ) % {"chosen": len(chosen), "total": total}
    return f"{groups}; {questions}"


def subgroup_edit(request, pk: int):
    """Name, members (only from the subgroup's institution or field) and questions of one subgroup."""
    # Any partner's Koordination staffs every subgroup; the page shows no drafts.
    subgroup = perms.get_subgroup_for(request.user, pk, drafts=False)
    agreement = with_outline(Agreement.objects.filter(pk=subgroup.agreement_id)).get()
    perms.require(perms.can_edit_agreement(request.user, agreement))
    structure = Structure(agreement, partners=list(agreement.partners.all()))
    form = SubgroupForm(request.POST or None, instance=subgroup, structure=structure)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_with_conflict_check(
                form,
                save=lambda: service.update_subgroup(
                    subgroup,
                    name=form.cleaned_data["name"],
                    members=list(form.cleaned_data["members"]),
                    questions=list(form.cleaned_data["questions"]),
                    expected_version=form.cleaned_data.get("version") or 0,
                ),
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            if saved:
                messages.success(request, _("Die Untergruppe wurde gespeichert."))
                return redirect("structure_subgroups", pk=agreement.pk)
    return render(
        request,
        "agreements/structure/subgroup_form.html",
        guide_context(
            request,
            agreement,
            structure,
            "untergruppen",
            form=form,
            subgroup=subgroup,
            invite_for=_partners_of(structure, subgroup),
        ),
    )
