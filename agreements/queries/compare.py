"""Compare two revisions of an agreement section by section, line by line."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.utils.translation import gettext as _

from agreements.models import Agreement
from agreements.queries.sections import SECTIONS


@dataclass
class DiffLine:
    op: str  # "same", "removed", "added"
    text: str


@dataclass
class SectionDiff:
    title: str
    lines: list[DiffLine]

    @property
    def changed(self) -> bool:
        return any(line.op != "same" for line in self.lines)


def _diff(old: list[str], new: list[str]) -> list[DiffLine]:
    result = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            result += [DiffLine("same", line) for line in old[i1:i2]]
            continue
        result += [DiffLine("removed", line) for line in old[i1:i2]]
        result += [DiffLine("added", line) for line in new[j1:j2]]
    return result


def _basics(a: Agreement) -> list[str]:
    return [_("Titel: %(title)s") % {"title": a.title}, _("Präambel: %(text)s") % {"text": a.preamble}]


def _partners(a: Agreement) -> list[str]:
    lines = []
    for p in a.partners.all():
        lines.append(p.institution.name)
        if p.contribution:
            lines.append("  " + _("bringt ein: %(text)s") % {"text": p.contribution})
        if p.expectations:
            lines.append("  " + _("wünscht sich: %(text)s") % {"text": p.expectations})
    return lines


def compare_revisions(older: Agreement, newer: Agreement) -> list[SectionDiff]:
    """Both agreements must be loaded with `with_full_text`."""
    diffs = [
        SectionDiff(_("Titel und Präambel"), _diff(_basics(older), _basics(newer))),
        SectionDiff(_("Partner"), _diff(_partners(older), _partners(newer))),
    ]
    for number, section in enumerate(SECTIONS, start=1):
        diffs.append(SectionDiff(f"{number}. {section.title}", _diff(section.lines(older), section.lines(newer))))
    return diffs
