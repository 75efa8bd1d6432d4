"""The nine sections of an agreement's text: order, completeness and a plain-text form.

Every function here reads only prefetched relations (see `with_full_text`), so the
agreement page costs the same number of queries however long the text is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import CharField, F, Prefetch, QuerySet, TextField, Value
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.models import (
    Agreement,
    CommunicationPath,
    Criterion,
    DataSharingRule,
    FlowPlan,
    Goal,
    Indicator,
    Partner,
    Responsibility,
    TargetGroup,
)


def with_full_text(queryset: QuerySet) -> QuerySet:
    """Prefetch everything the sections read."""
    return queryset.select_related(
        "coordinating_institution", "data_protection", "conference_rules", "term"
    ).prefetch_related(
        Prefetch("partners", queryset=Partner.objects.select_related("institution__arbeitsfeld")),
        "target_groups",
        Prefetch("goals", queryset=Goal.objects.prefetch_related("indicators")),
        "criteria",
        Prefetch("responsibilities", queryset=Responsibility.objects.select_related("institution")),
        "communication_paths",
        "sharing_rules",
        "flow_plans__arbeitsfeld",
    )


def with_outline(queryset: QuerySet) -> QuerySet:
    """What `text_outline` and the walk-through's header read from the agreement itself: its one-to-one
    sections and the partners (with their institution and Arbeitsfeld), in the agreement's query and one more."""
    return queryset.select_related(
        "coordinating_institution", "data_protection", "conference_rules", "term"
    ).prefetch_related(Prefetch("partners", queryset=Partner.objects.select_related("institution__arbeitsfeld")))


class _Rows(list):
    """A list that answers `.all()` like the prefetched relation it stands in for."""

    def all(self):
        return self


class _Row:
    def __init__(self, ref: int, text: str = ""):
        self.pk = ref
        self.institution_id = ref
        self.arbeitsfeld_id = ref
        self.text = text
        self.indicators = _Rows()


class TextOutline:
    """Just enough of the text to say what is missing (`completeness`, `incomplete_reasons`), in one query.

    The agreement must come with `with_outline` (or `with_full_text`); the rows of the eight sections
    come in one UNION query: per row its kind, the id the reasons need and the goal's text.
    """

    _KINDS = (
        ("t", TargetGroup, "pk", False),
        ("g", Goal, "pk", True),
        ("i", Indicator, "goal_id", False),
        ("c", Criterion, "pk", False),
        ("r", Responsibility, "institution_id", False),
        ("k", CommunicationPath, "pk", False),
        ("s", DataSharingRule, "pk", False),
        ("f", FlowPlan, "arbeitsfeld_id", False),
    )

    def __init__(self, agreement: Agreement):
        self.agreement = agreement
        self.partners = agreement.partners
        self.data_protection = agreement.data_protection
        self.conference_rules = agreement.conference_rules
        self.term = agreement.term
        parts = []
        for kind, model, ref, with_text in self._KINDS:
            owner = {"goal__agreement": agreement} if model is Indicator else {"agreement": agreement}
            parts.append(
                model.objects.filter(**owner)
                .order_by()
                .annotate(
                    o_kind=Value(kind, output_field=CharField()),
                    o_ref=F(ref),
                    o_position=F("position"),
                    o_pk=F("pk"),
                    o_text=F("text") if with_text else Value("", output_field=TextField()),
                )
                .values_list("o_kind", "o_ref", "o_position", "o_pk", "o_text")
            )
        rows: dict[str, list] = {kind: [] for kind, *_rest in self._KINDS}
        for kind, ref, position, pk, text in parts[0].union(*parts[1:], all=True):
            rows[kind].append((position, pk, ref, text))
        goals = {}
        for _position, _pk, ref, text in sorted(rows["g"]):
            goals[ref] = _Row(ref, text)
        for _position, _pk, goal_id, _text in rows["i"]:
            if goal_id in goals:
                goals[goal_id].indicators.append(goal_id)
        self.goals = _Rows(goals.values())

        def simple(kind):
            return _Rows(_Row(ref) for _position, _pk, ref, _text in sorted(rows[kind]))

        self.target_groups = simple("t")
        self.criteria = simple("c")
        self.responsibilities = simple("r")
        self.communication_paths = simple("k")
        self.sharing_rules = simple("s")
        self.flow_plans = simple("f")


def text_outline(agreement: Agreement) -> TextOutline:
    return TextOutline(agreement)


def partner_fields(agreement: Agreement) -> list:
    """The Arbeitsfelder present among the partners, in catalogue order."""
    fields = {p.institution.arbeitsfeld_id: p.institution.arbeitsfeld for p in agreement.partners.all()}
    return sorted(fields.values(), key=lambda f: (f.position, f.name))


def _none_if(condition: bool, reason: str) -> list[str]:
    return [reason] if condition else []


def _target_groups_missing(a: Agreement) -> list[str]:
    return _none_if(not a.target_groups.all(), _("Es ist noch keine Zielgruppe beschrieben."))


def _goals_missing(a: Agreement) -> list[str]:
    goals = a.goals.all()
    if not goals:
        return [_("Es ist noch kein Ziel formuliert.")]
    without = [g for g in goals if not g.indicators.all()]
    return [_("Dem Ziel „%(goal)s“ fehlt noch ein messbarer Indikator.") % {"goal": g.text[:60]} for g in without]


def _criteria_missing(a: Agreement) -> list[str]:
    return _none_if(not a.criteria.all(), _("Es ist noch kein Basiskriterium vereinbart."))


def _responsibilities_missing(a: Agreement) -> list[str]:
    covered = {r.institution_id for r in a.responsibilities.all()}
    return [
        _("Für „%(partner)s“ sind noch keine Aufgaben und Rollen festgelegt.") % {"partner": p.institution.name}
        for p in a.partners.all()
        if p.institution_id not in covered
    ]


def _communication_missing(a: Agreement) -> list[str]:
    return _none_if(not a.communication_paths.all(), _("Es ist noch kein Kommunikationsweg vereinbart."))


def _data_protection_missing(a: Agreement) -> list[str]:
    dp = a.data_protection
    reasons = []
    if not a.sharing_rules.all():
        reasons.append(_("Es ist noch nicht geregelt, welche Informationen ausgetauscht werden dürfen."))
    if not dp.not_shared.strip():
        reasons.append(_("Es fehlt, was nicht weitergegeben wird."))
    if not dp.target_group_info.strip():
        reasons.append(_("Es fehlt, worüber die Zielgruppe informiert wird."))
    return reasons


def _flow_plans_missing(a: Agreement) -> list[str]:
    covered = {f.arbeitsfeld_id for f in a.flow_plans.all()}
    return [
        _("Für das Arbeitsfeld %(field)s fehlt noch ein Ablaufplan.") % {"field": field.name}
        for field in partner_fields(a)
        if field.pk not in covered
    ]


def _conference_missing(a: Agreement) -> list[str]:
    rules = a.conference_rules
    # Whole sentences: "die Teilnehmenden" is plural and takes "fehlen".
    sentences = {
        "occasion": _("Bei der Hilfekonferenz fehlt noch der Anlass."),
        "frequency": _("Bei der Hilfekonferenz fehlt noch die Häufigkeit."),
        "participants": _("Bei der Hilfekonferenz fehlen noch die Teilnehmenden."),
        "protocol_distribution": _("Bei der Hilfekonferenz fehlt noch die Verteilung des Ergebnisprotokolls."),
    }
    return [sentence for name, sentence in sentences.items() if not getattr(rules, name).strip()]


def _term_missing(a: Agreement) -> list[str]:
    term = a.term
    reasons = []
    if not term.valid_from:
        reasons.append(_("Es fehlt das Datum, ab dem die Vereinbarung gilt."))
    if not term.duration_months and not term.valid_until:
        reasons.append(_("Es fehlt die Laufzeit (in Monaten oder bis zu einem Datum)."))
    if not term.review_interval_months:
        reasons.append(_("Es fehlt, in welchem Abstand die Vereinbarung überprüft wird."))
    if not term.board_duties.strip():
        reasons.append(_("Es fehlen die fortlaufenden Aufgaben des Kooperationsgremiums."))
    return reasons


def _date(value) -> str:
    return formats.date_format(value, "d.m.Y") if value else "–"


def _lines_target_groups(a):
    return [f"{t.name}: {t.description}".rstrip(": ") for t in a.target_groups.all()]


def _lines_goals(a):
    lines = []
    for goal in a.goals.all():
        lines.append(_("Ziel: %(text)s") % {"text": goal.text})
        lines += ["  " + _("Indikator: %(text)s") % {"text": i.text} for i in goal.indicators.all()]
    return lines


def _lines_criteria(a):
    return [c.text for c in a.criteria.all()]


def _lines_responsibilities(a):
    return [f"{r.institution.name} – {r.role}: {r.tasks}" for r in a.responsibilities.all()]


def _lines_communication(a):
    return [f"{c.subject} | {c.between} | {c.channel} | {c.frequency}" for c in a.communication_paths.all()]


def _lines_data_protection(a):
    dp = a.data_protection
    lines = [
        f"{r.information} | {r.between} | {r.get_basis_display()} {r.legal_reference}".rstrip()
        for r in a.sharing_rules.all()
    ]
    lines += [
        _("Grundsätze: %(text)s") % {"text": dp.principles},
        _("Nicht weitergegeben wird: %(text)s") % {"text": dp.not_shared},
        _("Die Zielgruppe erfährt: %(text)s") % {"text": dp.target_group_info},
    ]
    return lines


def _lines_flow_plans(a):
    return [f"{f.arbeitsfeld.name}: {f.situation} → {f.recommendation} → {f.goal}" for f in a.flow_plans.all()]


def _lines_conference(a):
    r = a.conference_rules
    return [
        _("Anlass: %(text)s") % {"text": r.occasion},
        _("Häufigkeit: %(text)s") % {"text": r.frequency},
        _("Teilnehmende: %(text)s") % {"text": r.participants},
        _("Protokoll: %(text)s") % {"text": r.protocol_distribution},
    ]


def _lines_term(a):
    t = a.term
    return [
        _("Gültig ab: %(date)s") % {"date": _date(t.valid_from)},
        _("Laufzeit: %(months)s Monate") % {"months": t.duration_months or "–"},
        _("Gültig bis: %(date)s") % {"date": _date(t.end_date)},
        _("Überprüfung alle %(months)s Monate") % {"months": t.review_interval_months or "–"},
        _("Kündigungsfrist: %(months)s Monate") % {"months": t.notice_period_months or "–"},
        _("Aufgaben des Gremiums: %(text)s") % {"text": t.board_duties},
    ]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    missing: Callable[[Agreement], list[str]]
    lines: Callable[[Agreement], list[str]]


SECTIONS: tuple[Section, ...] = (
    Section("zielgruppen", gettext_lazy("Zielgruppen"), _target_groups_missing, _lines_target_groups),
    Section("ziele", gettext_lazy("Ziele und Indikatoren"), _goals_missing, _lines_goals),
    Section("basiskriterien", gettext_lazy("Basiskriterien"), _criteria_missing, _lines_criteria),
    Section("aufgaben", gettext_lazy("Aufgaben und Rollen"), _responsibilities_missing, _lines_responsibilities),
    Section(
        "kommunikation",
        gettext_lazy("Kommunikations-, Rückmeldungs- und Berichtswege"),
        _communication_missing,
        _lines_communication,
    ),
    Section(
        "datenschutz", gettext_lazy("Datenschutz und Schweigepflicht"), _data_protection_missing, _lines_data_protection
    ),
    Section("ablaufplaene", gettext_lazy("Ablaufpläne"), _flow_plans_missing, _lines_flow_plans),
    Section("hilfekonferenz", gettext_lazy("Hilfekonferenz"), _conference_missing, _lines_conference),
    Section("laufzeit", gettext_lazy("Laufzeit und Überprüfung"), _term_missing, _lines_term),
)
SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}


@dataclass
class SectionState:
    number: int
    section: Section
    missing: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing


def completeness(agreement: Agreement) -> list[SectionState]:
    return [SectionState(i, s, s.missing(agreement)) for i, s in enumerate(SECTIONS, start=1)]


def incomplete_reasons(agreement: Agreement) -> list[str]:
    """Every reason a section is not complete yet, prefixed with the section's title."""
    return [f"{state.section.title}: {reason}" for state in completeness(agreement) for reason in state.missing]
