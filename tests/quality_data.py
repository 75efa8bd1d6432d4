"""Building quality dialogues for tests: partners, board representatives and self-assessments."""

from __future__ import annotations

from agreements.models import Agreement, BoardMember, ConditionState, Partner, QualityDialogue, SelfAssessment
from agreements.queries import quality
from agreements.services import quality as service
from kooperation.network.models import Role
from tests.factories import ArbeitsfeldFactory, InstitutionFactory, MembershipFactory, UserFactory

ALL_MET = dict.fromkeys("abcdefghij", ConditionState.MET)


def person(institution, role: str = Role.MITGLIED, **kwargs):
    return MembershipFactory(institution=institution, role=role, user=UserFactory(**kwargs)).user


def representative(agreement: Agreement, institution, **kwargs):
    """A Mitglied of `institution` with a seat on the agreement's Kooperationsgremium."""
    user = person(institution, **kwargs)
    BoardMember.objects.create(agreement=agreement, institution=institution, user=user)
    return user


def add_partners(agreement: Agreement, count: int, prefix: str = "Partner") -> list:
    """`count` further partner institutions, each in its own Arbeitsfeld."""
    start = agreement.partners.count()
    added = []
    for n in range(count):
        institution = InstitutionFactory(
            name=f"{prefix} {n + 1:02d}",
            short_name=f"{prefix[:2].upper()}{n + 1:02d}",
            arbeitsfeld=ArbeitsfeldFactory(name=f"Feld {prefix} {n + 1:02d}"),
        )
        Partner.objects.create(agreement=agreement, institution=institution, position=start + n)
        added.append(institution)
    return added


def open_dialogue(coordinator, agreement: Agreement, year: int) -> QualityDialogue:
    return service.open_dialogue(coordinator, Agreement.objects.get(pk=agreement.pk), year)


def assessment(dialogue: QualityDialogue, institution) -> SelfAssessment:
    return (
        SelfAssessment.objects.select_related("dialogue")
        .prefetch_related("ratings", "conditions")
        .get(dialogue=dialogue, institution=institution)
    )


def fill(user, dialogue, institution, levels, conditions=None, *, submit: bool = True, comment: str = ""):
    """Save an assessment through the service: `levels` one per active dimension (in order), conditions by label."""
    dims = quality.dimensions()
    assert len(levels) == len(dims), "one level per dimension"
    states = {**ALL_MET, **(conditions or {})}
    current = assessment(dialogue, institution)
    data = {
        "comment": comment,
        "levels": list(zip(dims, levels, strict=True)),
        "conditions": [(c, states.get(c.label, ""), "") for c in quality.conditions()],
    }
    service.save_assessment(user, current, data, current.version, submit)
    return assessment(dialogue, institution)


def form_post(levels: dict, conditions: dict | None = None, *, version: int, submit: bool = False, **extra) -> dict:
    """The POST data of the assessment form: levels by dimension pk, condition states by label."""
    data = {"version": version, "comment": extra.pop("comment", "")}
    for pk, level in levels.items():
        data[f"dimension_{pk}"] = level
    for label, state in (conditions or {}).items():
        data[f"bedingung_{label}"] = state
    if submit:
        data["abgeben"] = "1"
    data.update(extra)
    return data
