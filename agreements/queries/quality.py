"""Comparing self-assessments: side by side, where partners differ most, and each dimension over the years."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agreements.models import (
    AssessmentStatus,
    CatalogueEntry,
    CatalogueKind,
    ConditionState,
    QualityDialogue,
    QualityDimension,
    QualityLevel,
    SelfAssessment,
)


def dimensions():
    """Active dimensions with their five levels, in one query each."""
    return list(
        QualityDimension.objects.filter(is_active=True).prefetch_related(
            Prefetch("levels", queryset=QualityLevel.objects.order_by("level"))
        )
    )


def conditions():
    return list(CatalogueEntry.objects.filter(kind=CatalogueKind.BEDINGUNG, is_active=True).order_by("position"))


def submitted_assessments(dialogues, also_of: QualityDialogue | None = None) -> list[SelfAssessment]:
    """The dialogues' submitted assessments; with `also_of`, that dialogue's drafts too (in the same query),
    for a page that lists every partner's state. Callers filter by status where only submitted ones count."""
    condition = Q(status=AssessmentStatus.SUBMITTED)
    if also_of is not None:
        condition |= Q(dialogue=also_of)
    return list(
        SelfAssessment.objects.filter(condition, dialogue__in=dialogues)
        .select_related("institution")
        .prefetch_related("ratings", "conditions")
    )


@dataclass
class TalkingPoint:
    text: str
    spread: int


@dataclass
class Comparison:
    partners: list
    rows: list  # (dimension, [(partner, level or None)])
    condition_rows: list  # (label, text, [(partner, rating or None)], differs)
    talking_points: list[TalkingPoint] = field(default_factory=list)


def compare(dialogue: QualityDialogue, partners, dims, assessments) -> Comparison:
    """All partners' submitted assessments side by side, and the largest differences first."""
    by_institution = {a.institution_id: a for a in assessments if a.dialogue_id == dialogue.pk}
    rows, points = [], []
    for dimension in dims:
        cells = []
        for partner in partners:
            assessment = by_institution.get(partner.institution_id)
            rating = (
                next((r for r in assessment.ratings.all() if r.dimension_id == dimension.pk), None)
                if assessment
                else None
            )
            cells.append((partner, rating.level if rating else None))
        rows.append((dimension, cells))
        given = [(p, level) for p, level in cells if level is not None]
        if len(given) >= 2:
            low = min(given, key=lambda item: item[1])
            high = max(given, key=lambda item: item[1])
            spread = high[1] - low[1]
            if spread >= 1:
                points.append(
                    TalkingPoint(
                        ngettext(
                            "„%(dimension)s“: %(high)s sieht Stufe %(high_level)d, %(low)s Stufe %(low_level)d "
                            "(%(spread)d Stufe Unterschied).",
                            "„%(dimension)s“: %(high)s sieht Stufe %(high_level)d, %(low)s Stufe %(low_level)d "
                            "(%(spread)d Stufen Unterschied).",
                            spread,
                        )
                        % {
                            "dimension": dimension.name,
                            "high": high[0].institution.short_name or high[0].institution.name,
                            "high_level": high[1],
                            "low": low[0].institution.short_name or low[0].institution.name,
                            "low_level": low[1],
                            "spread": spread,
                        },
                        spread,
                    )
                )
    condition_rows = []
    for condition in conditions():
        cells = []
        for partner in partners:
            assessment = by_institution.get(partner.institution_id)
            rating = (
                next((c for c in assessment.conditions.all() if c.label == condition.label), None)
                if assessment
                else None
            )
            cells.append((partner, rating))
        states = {c.state for _p, c in cells if c}
        differs = len(states) > 1
        if differs:
            points.append(
                TalkingPoint(
                    _("Bedingung %(label)s) „%(text)s“ wird unterschiedlich eingeschätzt.")
                    % {"label": condition.label, "text": condition.text},
                    1 if ConditionState.NOT_MET not in states else 2,
                )
            )
        condition_rows.append((condition.label, condition.text, cells, differs))
    points.sort(key=lambda p: -p.spread)
    return Comparison(partners=partners, rows=rows, condition_rows=condition_rows, talking_points=points)


@dataclass
class Series:
    dimension: object
    points: list  # (year, average, minimum, maximum)
    marker: str
    dash: str


MARKERS = ["circle", "square", "triangle", "diamond", "circle", "square"]
DASHES = ["", "6 3", "2 3", "10 3 2 3", "1 2", "8 2"]
CHART = {"width": 640, "height": 300, "left": 56, "right": 210, "top": 20, "bottom": 40}


def history(dialogues, dims, assessments=None) -> tuple[list[int], list[Series]]:
    """Average, lowest and highest level per dimension and year (submitted assessments only).

    `assessments` are the dialogues' submitted assessments if the caller has loaded them already.
    """
    year_of = {d.pk: d.year for d in dialogues}
    levels = defaultdict(list)
    if assessments is None:
        assessments = submitted_assessments(dialogues)
    for assessment in assessments:
        for rating in assessment.ratings.all():
            levels[(rating.dimension_id, year_of[assessment.dialogue_id])].append(rating.level)
    # A dialogue nobody has submitted to yet has nothing to draw: no empty year on the axis.
    years = sorted({year for _dimension, year in levels})
    series = []
    for i, dimension in enumerate(dims):
        points = []
        for year in years:
            values = levels.get((dimension.pk, year))
            if values:
                points.append((year, round(sum(values) / len(values), 1), min(values), max(values)))
        series.append(Series(dimension, points, MARKERS[i % len(MARKERS)], DASHES[i % len(DASHES)]))
    return years, series


def chart(years: list[int], series: list[Series]) -> dict:
    """Coordinates for the server-rendered SVG line chart (levels 1–5 over the years)."""
    c = CHART
    plot_w = c["width"] - c["left"] - c["right"]
    plot_h = c["height"] - c["top"] - c["bottom"]

    def x(year):
        if len(years) == 1:
            return c["left"] + plot_w / 2
        return c["left"] + plot_w * years.index(year) / (len(years) - 1)

    def y(level):
        return c["top"] + plot_h * (5 - level) / 4

    lines = []
    for s in series:
        coords = [(round(x(year), 1), round(y(avg), 1), avg, year) for year, avg, _lo, _hi in s.points]
        label_y = coords[-1][1] if coords else None
        lines.append(
            {
                "series": s,
                "coords": coords,
                "path": " ".join(f"{cx},{cy}" for cx, cy, _a, _y in coords),
                "label_x": c["width"] - c["right"] + 10,
                "label_y": label_y,
            }
        )
    _spread_labels(lines)
    return {
        **c,
        "plot_right": c["width"] - c["right"],
        "plot_bottom": c["height"] - c["bottom"],
        "gridlines": [(level, round(y(level), 1)) for level in range(1, 6)],
        "xticks": [(year, round(x(year), 1)) for year in years],
        "lines": lines,
    }


def _spread_labels(lines) -> None:
    """Keep the end labels of the lines at least 14 px apart so they stay readable."""
    placed = sorted((line for line in lines if line["label_y"] is not None), key=lambda line: line["label_y"])
    for previous, current in itertools.pairwise(placed):
        if current["label_y"] - previous["label_y"] < 14:
            current["label_y"] = previous["label_y"] + 14
