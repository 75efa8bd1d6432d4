"""The guided working structure (SPEC section 4): what each step has, lacks, and why the next is locked.

`Structure` loads everything the walk-through shows in a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db import connection, router
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from agreements.models import (
    Agreement,
    AnswerStatus,
    Approval,
    ApprovalRound,
    BoardMember,
    Decision,
    Partner,
    PrepGroupSeat,
    Reflection,
    Status,
    Subgroup,
    SubgroupAnswer,
)
from kooperation.core.compiled import CompiledQuery, attach_prefetched
from kooperation.network.models import Invitation, Membership, Role

PREP_GROUP_TASKS = [
    gettext_lazy("Vor- und Nachbereitung der Arbeitstreffen des Kooperationsgremiums"),
    gettext_lazy("Dokumentation der Prozesse"),
]
BOARD_TASKS = [
    gettext_lazy("Entwicklung der Inhalte einer Kooperationsvereinbarung"),
    gettext_lazy("Abstimmung mit allen Beteiligten"),
]
SUBGROUP_TASKS = [
    gettext_lazy("Arbeit zu vorgegebenen Fragestellungen, einrichtungsintern"),
    gettext_lazy("Rückgabe der Ergebnisse in das Kooperationsgremium"),
]


@dataclass
class Step:
    number: int
    key: str
    title: str
    url_name: str
    done: bool
    missing: list[str] = field(default_factory=list)
    locked: str = ""
    # False when the step's page refuses this user (step 1 edits the partners): shown as text, not as a link.
    linked: bool = True


def _locked_by(step: Step) -> str:
    return _("Gesperrt, bis Schritt %(number)d „%(title)s“ abgeschlossen ist: %(reason)s") % {
        "number": step.number,
        "title": step.title,
        "reason": step.missing[0],
    }


def _name(user) -> str:
    return user.get_full_name() or user.email


def _agreement_param(connection, agreement_id):
    return [Agreement._meta.pk.get_db_prep_value(agreement_id, connection)]


def _compiled(build) -> CompiledQuery:
    """`build(agreement_id)` as SQL compiled once per connection; the agreement's id is its only parameter."""
    return CompiledQuery(build, _agreement_param)


# The loader's fixed-shape queries (one agreement id each): compiled once per connection, since Django's
# compilation of each costs several times what the database needs to run it.
PREP_SEATS = _compiled(
    lambda agreement_id: PrepGroupSeat.objects.filter(agreement_id=agreement_id).select_related("user", "arbeitsfeld")
)
BOARD = _compiled(
    lambda agreement_id: BoardMember.objects.filter(agreement_id=agreement_id).select_related("user", "institution")
)
ANSWERS = _compiled(lambda agreement_id: SubgroupAnswer.objects.filter(subgroup__agreement_id=agreement_id))
REFLECTIONS = _compiled(lambda agreement_id: Reflection.objects.filter(partner__agreement_id=agreement_id))
ROUNDS = _compiled(lambda agreement_id: ApprovalRound.objects.filter(agreement_id=agreement_id))
# All rounds' approvals of the agreement at once, in the order the per-round prefetch reads them.
APPROVALS = _compiled(
    lambda agreement_id: Approval.objects.filter(round__agreement_id=agreement_id).select_related(
        "institution", "decided_by"
    )
)


def _memberships_query(institution_ids):
    return (
        Membership.objects.filter(institution_id__in=institution_ids, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


def _memberships_params(connection, institution_ids):
    # `user__is_active=True` compiles to the bare column, without a parameter.
    institution = Membership._meta.get_field("institution").target_field
    return [institution.get_db_prep_value(pk, connection) for pk in institution_ids]


# The memberships' SQL differs only in how many institutions it lists: compiled once per count and connection.
_MEMBERSHIPS: dict[int, CompiledQuery] = {}


def fetch_memberships(institution_ids: list[int]) -> list[Membership]:
    """`_memberships_query(institution_ids)` as a list: current memberships of active accounts, by name."""
    institution_ids = list(dict.fromkeys(institution_ids))  # the IN list without repeats, as Django builds it
    if not institution_ids:
        return []
    query = _MEMBERSHIPS.get(len(institution_ids))
    if query is None:
        query = _MEMBERSHIPS.setdefault(len(institution_ids), CompiledQuery(_memberships_query, _memberships_params))
    return query.fetch(router.db_for_read(Membership), institution_ids)


def _fetch(query: CompiledQuery, model, agreement) -> list:
    return query.fetch(router.db_for_read(model), agreement.pk)


def _question_count() -> RawSQL:
    """How many Leitfragen a subgroup has, as a correlated count (names from the models, no parameters)."""
    quote = connection.ops.quote_name
    through = quote(Subgroup.questions.through._meta.db_table)
    subgroup = f"{quote(Subgroup._meta.db_table)}.{quote(Subgroup._meta.pk.column)}"
    sql = f"SELECT COUNT(*) FROM {through} q WHERE q.{quote('subgroup_id')} = {subgroup}"  # noqa: S608
    return RawSQL(sql, ())  # noqa: S611


class Structure:
    """The working structure of one agreement with its validity rules."""

    def __init__(self, agreement: Agreement, partners: list[Partner] | None = None):
        """`partners`: the agreement's partners with institution and Arbeitsfeld, when the page has them already."""
        self.agreement = agreement
        if partners is not None:
            self.partners = partners

    @cached_property
    def partners(self) -> list[Partner]:
        return list(
            Partner.objects.filter(agreement=self.agreement)
            .select_related("institution__arbeitsfeld")
            .order_by("position", "pk")
        )

    @cached_property
    def fields(self) -> list:
        found = {p.institution.arbeitsfeld_id: p.institution.arbeitsfeld for p in self.partners}
        return sorted(found.values(), key=lambda f: (f.position, f.name))

    @cached_property
    def memberships(self) -> list[Membership]:
        """The current memberships of active accounts in the partner institutions."""
        return fetch_memberships([p.institution_id for p in self.partners])

    @cached_property
    def people(self) -> dict[int, list]:
        """Users of each partner institution (current memberships), by institution id."""
        by_institution: dict[int, dict] = defaultdict(dict)
        for membership in self.memberships:
            by_institution[membership.institution_id][membership.user_id] = membership.user
        return {pk: list(users.values()) for pk, users in by_institution.items()}

    @cached_property
    def leaders(self) -> dict[int, list]:
        """Leitung accounts (who sign) of each partner institution, by institution id."""
        found: dict[int, list] = defaultdict(list)
        for membership in self.memberships:
            if membership.role == Role.LEITUNG:
                found[membership.institution_id].append(membership.user)
        return dict(found)

    @cached_property
    def pending_invitations(self) -> dict[int, list[Invitation]]:
        """Invitations asked for or sent to partners and not yet taken up, by institution id."""
        found: dict[int, list] = defaultdict(list)
        for invitation in Invitation.objects.filter(
            institution_id__in=[p.institution_id for p in self.partners],
            status__in=[Invitation.Status.REQUESTED, Invitation.Status.SENT],
        ).select_related("user"):
            found[invitation.institution_id].append(invitation)
        return dict(found)

    def missing_people(self) -> list[dict]:
        """Per partner, who is missing: anybody for the Gremium, a Leitung to sign; with open invitations."""
        rows = []
        for partner in self.partners:
            pk = partner.institution_id
            row = {
                "institution": partner.institution,
                "nobody": not self.people.get(pk),
                "leaders": self.leaders.get(pk, []),
                "pending": self.pending_invitations.get(pk, []),
            }
            if row["nobody"] or not row["leaders"] or row["pending"]:
                rows.append(row)
        return rows

    def users_of(self, institution_ids) -> list:
        seen = {}
        for pk in institution_ids:
            for user in self.people.get(pk, []):
                seen.setdefault(user.pk, user)
        return sorted(seen.values(), key=lambda u: (u.last_name, u.first_name, u.email))

    def institutions_of_field(self, arbeitsfeld_id: int) -> list[int]:
        return [p.institution_id for p in self.partners if p.institution.arbeitsfeld_id == arbeitsfeld_id]

    def is_user_of(self, user_id: int, institution_ids) -> bool:
        return any(user_id in {u.pk for u in self.people.get(pk, [])} for pk in institution_ids)

    @cached_property
    def prep_seats(self) -> list[PrepGroupSeat]:
        return _fetch(PREP_SEATS, PrepGroupSeat, self.agreement)

    @cached_property
    def board(self) -> list[BoardMember]:
        return _fetch(BOARD, BoardMember, self.agreement)

    @cached_property
    def subgroups(self) -> list[Subgroup]:
        return list(
            Subgroup.objects.filter(agreement=self.agreement)
            .select_related("institution", "arbeitsfeld")
            .prefetch_related("members")
            # The pages only count a subgroup's Leitfragen: a correlated count, so the subgroups (with their
            # institution and Arbeitsfeld) are not grouped by every column, which Django compiles slowly.
            .annotate(question_count=_question_count())
            .order_by(*Subgroup._meta.ordering)
        )

    @cached_property
    def answers(self) -> list[SubgroupAnswer]:
        return _fetch(ANSWERS, SubgroupAnswer, self.agreement)

    @cached_property
    def reflections(self) -> list[Reflection]:
        return _fetch(REFLECTIONS, Reflection, self.agreement)

    @cached_property
    def rounds(self) -> list[ApprovalRound]:
        """The approval rounds, each with its approvals prefetched (`round.approvals.all()` reads them, as after
        `prefetch_related(Prefetch("approvals", queryset=self._approvals()))`, each approval's `round` set)."""
        rounds = _fetch(ROUNDS, ApprovalRound, self.agreement)
        if not rounds:
            return rounds
        approvals = _fetch(APPROVALS, Approval, self.agreement)
        attach_prefetched(rounds, "approvals", approvals, Approval._meta.get_field("round"), self._approvals())
        return rounds

    @staticmethod
    def _approvals():
        return Approval.objects.select_related("institution", "decided_by")

    @property
    def current_round(self) -> ApprovalRound | None:
        return self.rounds[-1] if self.rounds else None

    def subgroup_institutions(self, subgroup: Subgroup) -> list[int]:
        if subgroup.institution_id:
            return [subgroup.institution_id]
        return self.institutions_of_field(subgroup.arbeitsfeld_id)

    # Validity of each part -------------------------------------------------

    def partners_missing(self) -> list[str]:
        if len(self.partners) < 2:
            return [_("Eine Kooperation braucht mindestens zwei Partnerinstitutionen.")]
        return []

    def prep_missing(self) -> list[str]:
        reasons = []
        for arbeitsfeld in self.fields:
            seats = [s for s in self.prep_seats if s.arbeitsfeld_id == arbeitsfeld.pk]
            if not seats:
                reasons.append(
                    _("Für das Arbeitsfeld %(field)s fehlt noch eine Vertretung in der Vorbereitungsgruppe.")
                    % {"field": arbeitsfeld.name}
                )
                continue
            seat = seats[0]
            if not self.is_user_of(seat.user_id, self.institutions_of_field(arbeitsfeld.pk)):
                reasons.append(
                    _(
                        "%(name)s vertritt das Arbeitsfeld %(field)s, gehört aber keiner Partnerinstitution "
                        "dieses Arbeitsfelds mehr an."
                    )
                    % {"name": _name(seat.user), "field": arbeitsfeld.name}
                )
        present = {f.pk for f in self.fields}
        for seat in self.prep_seats:
            if seat.arbeitsfeld_id not in present:
                reasons.append(
                    _(
                        "Das Arbeitsfeld %(field)s ist unter den Partnern nicht mehr vertreten; "
                        "bitte die Vertretung entfernen."
                    )
                    % {"field": seat.arbeitsfeld.name}
                )
        return reasons

    def board_missing(self) -> list[str]:
        reasons = []
        for partner in self.partners:
            seats = [b for b in self.board if b.institution_id == partner.institution_id]
            valid = [b for b in seats if self.is_user_of(b.user_id, [partner.institution_id])]
            for seat in seats:
                if seat not in valid:
                    reasons.append(
                        _("%(name)s gehört nicht mehr zu „%(institution)s“ und kann sie im Gremium nicht vertreten.")
                        % {"name": _name(seat.user), "institution": partner.institution.name}
                    )
            if not valid:
                reasons.append(
                    _("Für „%(institution)s“ fehlt noch eine Vertretung im Kooperationsgremium.")
                    % {"institution": partner.institution.name}
                )
        return reasons

    def subgroups_missing(self) -> list[str]:
        reasons = []
        covered = set()
        for subgroup in self.subgroups:
            institutions = self.subgroup_institutions(subgroup)
            covered.update(institutions)
            members = list(subgroup.members.all())
            if not members:
                reasons.append(_("Die Untergruppe „%(name)s“ hat noch keine Mitglieder.") % {"name": subgroup.name})
            for member in members:
                if not self.is_user_of(member.pk, institutions):
                    reasons.append(
                        _("%(name)s gehört nicht (mehr) zur Institution der Untergruppe „%(group)s“.")
                        % {"name": _name(member), "group": subgroup.name}
                    )
            if not subgroup.question_count:
                reasons.append(
                    _("Der Untergruppe „%(name)s“ sind noch keine Leitfragen zugewiesen.") % {"name": subgroup.name}
                )
        for partner in self.partners:
            if partner.institution_id not in covered:
                reasons.append(
                    _("Für „%(institution)s“ gibt es noch keine Untergruppe.")
                    % {"institution": partner.institution.name}
                )
        return reasons

    def structure_missing(self) -> list[str]:
        return self.partners_missing() + self.prep_missing() + self.board_missing() + self.subgroups_missing()

    def answers_missing(self) -> list[str]:
        reasons = []
        open_by_group: dict[int, int] = defaultdict(int)
        for answer in self.answers:
            if answer.status != AnswerStatus.SUBMITTED:
                open_by_group[answer.subgroup_id] += 1
        for subgroup in self.subgroups:
            count = open_by_group.get(subgroup.pk, 0)
            if count:
                reasons.append(
                    ngettext(
                        "Die Untergruppe „%(name)s“ hat %(count)d Leitfrage noch nicht an das Gremium übergeben.",
                        "Die Untergruppe „%(name)s“ hat %(count)d Leitfragen noch nicht an das Gremium übergeben.",
                        count,
                    )
                    % {"name": subgroup.name, "count": count}
                )
        submitted = defaultdict(list)
        for reflection in self.reflections:
            submitted[reflection.partner_id].append(reflection.status == AnswerStatus.SUBMITTED)
        for partner in self.partners:
            states = submitted.get(partner.pk, [])
            if not states or not all(states):
                reasons.append(
                    _("„%(institution)s“ hat die Fragen zur internen Klärung noch nicht übergeben.")
                    % {"institution": partner.institution.name}
                )
        return reasons

    def approval_state(self) -> list[tuple[Partner, object]]:
        """Each partner with its decision in the current round (or None)."""
        current = self.current_round
        decisions = {a.institution_id: a for a in current.approvals.all()} if current else {}
        return [(p, decisions.get(p.institution_id)) for p in self.partners]

    def all_approved(self) -> bool:
        if self.agreement.status != Status.IN_ABSTIMMUNG or self.current_round is None:
            return False
        state = self.approval_state()
        return bool(state) and all(d is not None and d.decision == Decision.APPROVED for _p, d in state)

    def approvals_missing(self) -> list[str]:
        if self.agreement.status in (Status.ENTWURF, Status.IN_ERARBEITUNG):
            return [_("Die Abstimmung hat noch nicht begonnen.")]
        if self.agreement.status != Status.IN_ABSTIMMUNG:
            return []
        return [
            _("Die Zustimmung von „%(institution)s“ steht noch aus.") % {"institution": p.institution.name}
            for p, decision in self.approval_state()
            if decision is None
        ]

    # The walk-through ------------------------------------------------------

    def steps(self, text_missing: list[str]) -> list[Step]:
        status = self.agreement.status
        working = status not in (Status.ENTWURF,)
        past_text = status not in (Status.ENTWURF, Status.IN_ERARBEITUNG)
        steps = [
            Step(1, "partner", _("Partner & Arbeitsfelder"), "agreement_partners", False, self.partners_missing()),
            Step(2, "vorbereitung", _("Vorbereitungsgruppe"), "structure_prep", False, self.prep_missing()),
            Step(3, "gremium", _("Kooperationsgremium"), "structure_board", False, self.board_missing()),
            Step(4, "untergruppen", _("Untergruppen"), "structure_subgroups", False, self.subgroups_missing()),
            Step(5, "ergebnisse", _("Ergebnisse der Untergruppen"), "agreement_answers", False, self.answers_missing()),
            Step(6, "text", _("Vereinbarungstext"), "agreement_detail", False, text_missing),
            Step(7, "abstimmung", _("Abstimmung"), "agreement_approval", False, self.approvals_missing()),
            Step(8, "unterzeichnung", _("Unterzeichnung"), "agreement_detail", False, []),
        ]
        for step in steps:
            step.done = not step.missing
        steps[7].done = status in (Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG, Status.BEENDET)
        if not steps[7].done:
            steps[7].missing = [_("Die Vereinbarung ist noch nicht von allen Partnern unterzeichnet.")]
        self._lock(steps, working, past_text)
        return steps

    def _lock(self, steps: list[Step], working: bool, past_text: bool) -> None:
        def first_open(numbers) -> Step | None:
            return next((steps[n - 1] for n in numbers if not steps[n - 1].done), None)

        # The nearest open step is named first: step 5 waits for step 4, even if step 2 is open too.
        for number, needs in ((2, [1]), (3, [2]), (4, [3]), (5, [4, 3, 2, 1]), (6, [4, 3, 2, 1])):
            blocking = first_open(needs)
            if blocking:
                steps[number - 1].locked = _locked_by(blocking)
        if not steps[4].locked and not working:
            steps[4].locked = _("Die Untergruppen arbeiten, sobald die Erarbeitung begonnen hat.")
        if not past_text:
            blocking = first_open([6, 4, 3, 2, 1])
            if blocking:
                steps[6].locked = _locked_by(blocking)
        approving = self.agreement.status in (Status.ENTWURF, Status.IN_ERARBEITUNG, Status.IN_ABSTIMMUNG)
        if approving and not self.all_approved():
            steps[7].locked = _("Gesperrt, bis alle Partner dem Text zugestimmt haben.")


# The two questions of the internal clarification (seed 001) that the partner page asks again.
REFLECTION_FIELDS = {
    "Was können wir einbringen?": "contribution",
    "Was wünschen wir uns von den Partnern?": "expectations",
}


def reflection_suggestions(agreement) -> dict[int, dict[str, str]]:
    """Per partner, what its handed-over internal clarification answered to "einbringen" and "wünschen"."""
    wanted = {question.casefold(): name for question, name in REFLECTION_FIELDS.items()}
    suggestions: dict[int, dict[str, str]] = defaultdict(dict)
    rows = Reflection.objects.filter(partner__agreement=agreement, status=AnswerStatus.SUBMITTED).exclude(text="")
    for reflection in rows.only("partner_id", "question", "text"):
        name = wanted.get(reflection.question.strip().casefold())
        if name:
            suggestions[reflection.partner_id].setdefault(name, reflection.text.strip())
    return dict(suggestions)
