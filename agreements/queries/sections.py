"""The nine sections of an agreement's text: order, completeness and a plain-text form.

Every function here reads only prefetched relations (see `with_full_text`), so the
agreement page costs the same number of queries however long the text is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from django.db.models import Prefetch, QuerySet
from django.db.models.query import ModelIterable
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
from kooperation.core.compiled import store_prefetched


def with_full_text(queryset: QuerySet) -> QuerySet:
    """Everything the sections read: the agreement with its one-to-one sections and partners
    (`with_outline`), and the rows of the eight listed sections in one more query (`attach_section_rows`),
    set as the prefetched relations the sections and templates read (`agreement.goals.all` …)."""
    queryset = with_outline(queryset)
    queryset._iterable_class = _WithSectionRows
    return queryset


class _WithSectionRows(ModelIterable):
    """Model instances as usual; once all are read, their section rows come in one UNION ALL query."""

    def __iter__(self):
        agreements = list(super().__iter__())
        attach_section_rows(agreements, self.queryset.db)
        yield from agreements


# The listed sections (relation name, model, joined model whose `name` is shown), goals before indicators.
_SECTION_RELATIONS = (
    ("target_groups", TargetGroup, None),
    ("goals", Goal, None),
    ("indicators", Indicator, None),
    ("criteria", Criterion, None),
    ("responsibilities", Responsibility, "institution"),
    ("communication_paths", CommunicationPath, None),
    ("sharing_rules", DataSharingRule, None),
    ("flow_plans", FlowPlan, "arbeitsfeld"),
)
_INTS, _TEXTS = 5, 5  # typed columns of the UNION: integers (ids, positions, versions) and texts


def _is_text(field) -> bool:
    return field.get_internal_type() in ("CharField", "TextField")


@functools.cache
def _section_rows_sql(using: str, count: int) -> str:
    """One UNION ALL over the eight tables: kind, then the integer columns, then the text columns.

    Every value sits in a column of one type (NULLs cast), so PostgreSQL accepts the UNION as SQLite does.
    Built from the models' metadata and placeholders only, once per number of agreements.
    """
    quote = connections[using].ops.quote_name
    ids = ", ".join(["%s"] * count)
    parts = []
    for kind, (_name, model, joined) in enumerate(_SECTION_RELATIONS):
        table = quote(model._meta.db_table)
        ints = [f"t.{quote(f.column)}" for f in model._meta.concrete_fields if not _is_text(f)]
        texts = [f"t.{quote(f.column)}" for f in model._meta.concrete_fields if _is_text(f)]
        join = ""
        if joined:
            related = model._meta.get_field(joined)
            join = (
                f" INNER JOIN {quote(related.related_model._meta.db_table)} j"
                f" ON j.{quote(related.target_field.column)} = t.{quote(related.column)}"
            )
            texts.append(f"j.{quote('name')}")
        ints += ["CAST(NULL AS integer)"] * (_INTS - len(ints))
        texts += ["CAST(NULL AS text)"] * (_TEXTS - len(texts))
        if model is Indicator:
            goals = quote(Goal._meta.db_table)
            where = f"t.{quote('goal_id')} IN (SELECT g.id FROM {goals} g WHERE g.agreement_id IN ({ids}))"  # noqa: S608
        else:
            where = f"t.{quote('agreement_id')} IN ({ids})"
        columns = ", ".join(ints + texts)
        # Names from the models' metadata, values as parameters: nothing from outside goes into the text.
        parts.append(f"SELECT {kind} AS kind, {columns} FROM {table} t{join} WHERE {where}")  # noqa: S608
    return " UNION ALL ".join(parts)


def attach_section_rows(agreements: list[Agreement], using: str = "default") -> None:
    """Load the rows of the listed sections of these agreements in one query and set them as the
    prefetched relations (ordered like the models' Meta ordering: position, pk), as `prefetch_related`
    would. The joined institution or Arbeitsfeld of a row comes with its id and name only."""
    if not agreements:
        return
    by_pk = {a.pk: a for a in agreements}
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(_section_rows_sql(using, len(by_pk)), list(by_pk) * 8)
        fetched = cursor.fetchall()
    rows: list[list] = [[] for _relation in _SECTION_RELATIONS]
    for row in fetched:
        rows[row[0]].append(row)
    goals: dict[int, Goal] = {}
    for kind, (name, model, joined) in enumerate(_SECTION_RELATIONS):
        fields = model._meta.concrete_fields
        int_at = [i for i, f in enumerate(fields) if not _is_text(f)]
        owner_field = model._meta.get_field("goal" if model is Indicator else "agreement")
        related = model._meta.get_field(joined) if joined else None
        owned: dict[int, list] = {}
        for row in sorted(rows[kind], key=lambda r: (r[3], r[1])):
            values = []
            ints, texts = iter(row[1 : 1 + _INTS]), iter(row[1 + _INTS :])
            for i in range(len(fields)):
                values.append(next(ints) if i in int_at else next(texts))
            obj = model.from_db(using, None, values)
            owner = goals[obj.goal_id] if model is Indicator else by_pk[obj.agreement_id]
            owner_field.set_cached_value(obj, owner)
            if related is not None:
                target = related.related_model.from_db(
                    using, ["id", "name"], [getattr(obj, related.attname), next(texts)]
                )
                related.set_cached_value(obj, target)
            if model is Goal:
                goals[obj.pk] = obj
            owned.setdefault(owner.pk, []).append(obj)
        for owner in goals.values() if model is Indicator else agreements:
            store_prefetched(owner, name, None, owned.get(owner.pk, []))


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
    come in one UNION query: per row its kind, the id the reasons need and the goal's text. Its text is
    written once per database (no ORM compilation per page).
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

    @classmethod
    @functools.cache
    def _sql(cls, using: str) -> str:
        """The UNION ALL text, built once from the models' metadata (the agreement's id is the parameter)."""
        quote = connections[using].ops.quote_name
        parts = []
        for kind, model, ref, with_text in cls._KINDS:
            column = model._meta.get_field(ref).column if ref != "pk" else model._meta.pk.column
            text = f"t.{quote('text')}" if with_text else "CAST('' AS text)"
            if model is Indicator:
                goals = quote(Goal._meta.db_table)
                where = f"t.{quote('goal_id')} IN (SELECT g.id FROM {goals} g WHERE g.agreement_id = %s)"  # noqa: S608
            else:
                where = f"t.{quote('agreement_id')} = %s"
            parts.append(
                f"SELECT CAST('{kind}' AS text), t.{quote(column)}, t.{quote('position')}, t.{quote('id')}, {text}"  # noqa: S608
                f" FROM {quote(model._meta.db_table)} t WHERE {where}"
            )
        return " UNION ALL ".join(parts)

    def __init__(self, agreement: Agreement):
        self.agreement = agreement
        self.partners = agreement.partners
        self.data_protection = agreement.data_protection
        self.conference_rules = agreement.conference_rules
        self.term = agreement.term
        using = agreement._state.db or "default"
        with connections[using].cursor() as cursor:
            cursor.execute(self._sql(using), [agreement.pk] * len(self._KINDS))
            fetched = cursor.fetchall()
        rows: dict[str, list] = {kind: [] for kind, *_rest in self._KINDS}
        for kind, ref, position, pk, text in fetched:
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
