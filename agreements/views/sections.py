"""Editing the sections of an agreement's text, one page per section."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements import permissions as perms
from agreements.forms.agreement import (
    CommunicationPathForm,
    ConferenceRulesForm,
    CriterionForm,
    DataProtectionForm,
    DataSharingRuleForm,
    FlowPlanForm,
    GoalForm,
    ResponsibilityForm,
    TargetGroupForm,
    TermForm,
    rows_formset,
)
from agreements.models import (
    AnswerStatus,
    CommunicationPath,
    Criterion,
    DataSharingRule,
    FlowPlan,
    Goal,
    Responsibility,
    SectionComment,
    SubgroupAnswer,
    TargetGroup,
)
from agreements.queries.sections import SECTIONS_BY_KEY
from kooperation.core.forms import save_with_conflict_check
from kooperation.core.rows import render_blank_row


@dataclass(frozen=True)
class SectionEditor:
    """What a section's page edits: rows (ordered formset), a single form, or both."""

    intro: str
    rows: type | None = None
    single: type | None = None
    single_attr: str = ""
    rows_need_agreement: bool = False
    rows_title: str = ""
    select_related: tuple[str, ...] = field(default=())
    prefetch: tuple[str, ...] = field(default=())


EDITORS = {
    "zielgruppen": SectionEditor(
        gettext_lazy("Für wen gilt die Vereinbarung? Die Einigung auf Zielgruppen und Ziele bildet die Grundlage."),
        rows=rows_formset(TargetGroup, TargetGroupForm),
    ),
    "ziele": SectionEditor(
        gettext_lazy("Gemeinsame Ziele mit Indikatoren zur Zielerreichung (Bedingung c)."),
        rows=rows_formset(Goal, GoalForm),
        prefetch=("indicators",),
    ),
    "basiskriterien": SectionEditor(
        gettext_lazy(
            "Der Minimalbedarf, der für das Aufwachsen eines Kindes erforderlich ist: messbar, überprüfbar und "
            "im Vorfeld abgestimmt. In Hilfekonferenzen dienen die Basiskriterien als Prüfliste."
        ),
        rows=rows_formset(Criterion, CriterionForm),
    ),
    "aufgaben": SectionEditor(
        gettext_lazy("Arbeitsteilung und Auftragsklärung: wer übernimmt welche Rolle und welche Aufgaben?"),
        rows=rows_formset(Responsibility, ResponsibilityForm, shared_choices=("institution",)),
        rows_need_agreement=True,
        select_related=("institution",),
    ),
    "kommunikation": SectionEditor(
        gettext_lazy(
            "Gemeinsame Kommunikations-, Rückmeldungs- und Berichtsstrukturen: was, zwischen wem, wie, wie oft."
        ),
        rows=rows_formset(CommunicationPath, CommunicationPathForm),
    ),
    "datenschutz": SectionEditor(
        gettext_lazy(
            "Kooperation darf Datenschutzbestimmungen nicht außer Kraft setzen. Welche Informationen dürfen "
            "zwischen welchen Partnern auf welcher Grundlage ausgetauscht werden?"
        ),
        rows=rows_formset(DataSharingRule, DataSharingRuleForm),
        rows_title=gettext_lazy("Informationsaustausch"),
        single=DataProtectionForm,
        single_attr="data_protection",
    ),
    "ablaufplaene": SectionEditor(
        gettext_lazy(
            "Aus der Sicht jedes Arbeitsfeldes: eine mögliche Betreuungssituation, die Handlungsempfehlung "
            "und ihr Ziel."
        ),
        rows=rows_formset(FlowPlan, FlowPlanForm, shared_choices=("arbeitsfeld",)),
        rows_need_agreement=True,
        select_related=("arbeitsfeld",),
    ),
    "hilfekonferenz": SectionEditor(
        gettext_lazy(
            "Das zentrale Instrument: regelmäßiger und verbindlicher Austausch aller Beteiligten, "
            "selbstverständlich auch der Mütter/Eltern."
        ),
        single=ConferenceRulesForm,
        single_attr="conference_rules",
    ),
    "laufzeit": SectionEditor(
        gettext_lazy("Dauer des Vertrags, Überprüfung und die weiterzuführenden Aufgaben des Kooperationsgremiums."),
        single=TermForm,
        single_attr="term",
    ),
}


def _rows_formset(editor: SectionEditor, agreement, data=None):
    model = editor.rows.model
    queryset = model.objects.filter(agreement=agreement)
    if editor.select_related:
        queryset = queryset.select_related(*editor.select_related)
    if editor.prefetch:
        queryset = queryset.prefetch_related(*editor.prefetch)
    kwargs = {"form_kwargs": {"agreement": agreement}} if editor.rows_need_agreement else {}
    return editor.rows(data, instance=agreement, queryset=queryset, prefix="zeilen", **kwargs)


def section_edit(request, pk: int, key: str):
    """Edit one section; rows and single forms are saved together, atomically."""
    if key not in EDITORS:
        raise Http404
    agreement = perms.get_agreement_for(request.user, pk, write=True)
    editor, section = EDITORS[key], SECTIONS_BY_KEY[key]
    data = request.POST if request.method == "POST" else None
    formset = _rows_formset(editor, agreement, data) if editor.rows else None
    single = None
    if editor.single:
        single = editor.single(data, instance=getattr(agreement, editor.single_attr), prefix="abschnitt")
    if request.method == "POST":
        valid = all(part.is_valid() for part in (formset, single) if part is not None)
        if valid and save_with_conflict_check(single, formset):
            agreement.touch()
            messages.success(request, _("Der Abschnitt „%(title)s“ wurde gespeichert.") % {"title": section.title})
            if "weiter" in request.POST:
                return redirect("agreement_section", pk=agreement.pk, key=key)
            return redirect(f"{agreement.get_absolute_url()}#abschnitt-{key}")
    return render(
        request,
        "agreements/section_form.html",
        {
            "agreement": agreement,
            "section": section,
            "key": key,
            "editor": editor,
            "formset": formset,
            "single": single,
            "answers": SubgroupAnswer.objects.filter(
                question__agreement=agreement, question__section=key, status=AnswerStatus.SUBMITTED
            ).select_related("question", "subgroup"),
            "open_comments": SectionComment.objects.filter(
                agreement=agreement, section=key, parent__isnull=True, resolved_at__isnull=True
            ).select_related("author"),
        },
    )


def section_row(request, pk: int, key: str):
    """Return one empty row form for htmx to append (the page also works without it)."""
    editor = EDITORS.get(key)
    if editor is None or editor.rows is None:
        raise Http404
    agreement = perms.get_agreement_for(request.user, pk, write=True)
    return render_blank_row(
        request,
        _rows_formset(editor, agreement),
        "agreements/snippets/section_row.html",
        reverse("agreement_section", args=[agreement.pk, key]),
    )
