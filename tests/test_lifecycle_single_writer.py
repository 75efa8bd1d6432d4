"""One writer of an agreement's status: agreements/services/lifecycle.py, through apply().

The static rule, checked on every .py file under agreements/, conferences/ and kooperation/
except migrations and lifecycle.py itself. A module writes an agreement's status when it has

- an assignment `X.status = V` (also augmented, in a tuple, or as `setattr(X, "status", V)`), or
- a queryset call `.update(status=V)` (or `update_or_create(defaults={"status": V})`),

and either V mentions the agreements' `Status` (imported from agreements.models, under any
alias, or as `models.Status`), or X, respectively the queryset, is an agreement: a name
or attribute called like agreement/predecessor/successor, a name the same function binds
to an `Agreement` (a parameter annotated `Agreement`, or assigned or looped from an
expression starting at `Agreement`), or an expression starting at `Agreement` itself.
Other models' status fields (a conference task's `task.status = TaskStatus...`, a subgroup
answer's `AnswerStatus`) are not agreements and pass. Creating a row with its initial
status (`Agreement(status=...)`, `Agreement.objects.create(status=...)`, e.g. a new revision
that starts In Erarbeitung, or test factories) is not a status change and passes; lookups
such as `.filter(status=Status.IN_KRAFT)` only read.
"""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from agreements.models import Agreement, Status, StatusChange
from agreements.services import lifecycle, validity
from kooperation.core.concurrency import ConflictError
from kooperation.core.errors import DomainError

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("agreements", "conferences", "kooperation")
SINGLE_WRITER = Path("agreements/services/lifecycle.py")
AGREEMENT_LIKE = re.compile(r"agreement|predecessor|successor", re.IGNORECASE)
MODELS_MODULES = {"agreements.models", "agreements.models.agreement"}
REFUSED_IN_FORCE = "Dieser Schritt ist im Status „In Kraft“ nicht möglich."


# --- the static rule -------------------------------------------------------------------------------------


class _Names:
    """What a module calls the agreements' Status, the Agreement model and the agreements.models module."""

    def __init__(self, tree: ast.Module):
        self.status = set()
        self.agreement = {"Agreement"}
        self.models = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in MODELS_MODULES:
                for alias in node.names:
                    if alias.name == "Status":
                        self.status.add(alias.asname or alias.name)
                    if alias.name == "Agreement":
                        self.agreement.add(alias.asname or alias.name)
            elif isinstance(node, ast.ImportFrom) and node.module == "agreements":
                self.models |= {alias.asname or alias.name for alias in node.names if alias.name == "models"}
            elif isinstance(node, ast.Import):
                self.models |= {alias.asname for alias in node.names if alias.name in MODELS_MODULES and alias.asname}
            elif isinstance(node, ast.ClassDef) and node.name == "Status":
                self.status.add("Status")

    def mentions_status(self, node: ast.AST) -> bool:
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name) and inner.id in self.status:
                return True
            if isinstance(inner, ast.Attribute) and inner.attr == "Status" and _root_name(inner) in self.models:
                return True
        return False

    def starts_at_agreement(self, node: ast.AST) -> bool:
        return _root_name(node) in self.agreement or _first_attribute(node) == "Agreement"


def _root_name(node: ast.AST) -> str | None:
    """The name an expression like `Agreement.objects.filter(...).first()` starts from."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def _first_attribute(node: ast.AST) -> str | None:
    """For `models.Agreement.objects...`: the attribute right after the root name."""
    chain = []
    while isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            chain.append(node.attr)
        node = node.func if isinstance(node, ast.Call) else node.value
    return chain[-1] if chain else None


def _agreement_bound(scope: ast.AST, names: _Names) -> set[str]:
    """Names the scope binds to an agreement: annotated parameters, assignments and loops from `Agreement`."""
    bound = set()
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        arguments = scope.args
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            if arg.annotation is not None and any(
                isinstance(n, ast.Name) and n.id in names.agreement for n in ast.walk(arg.annotation)
            ):
                bound.add(arg.arg)
    for node in ast.walk(scope):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if names.starts_at_agreement(node.value):
                bound |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif (
            isinstance(node, (ast.For, ast.AsyncFor))
            and isinstance(node.target, ast.Name)
            and names.starts_at_agreement(node.iter)
        ):
            bound.add(node.target.id)
    return bound


def _is_agreement(node: ast.AST, names: _Names, bound: set[str]) -> bool:
    """Whether the object whose `status` is assigned is an agreement."""
    if isinstance(node, ast.Name):
        return node.id in bound or bool(AGREEMENT_LIKE.search(node.id))
    if isinstance(node, ast.Attribute):
        return bool(AGREEMENT_LIKE.search(node.attr))
    return names.starts_at_agreement(node)


def _is_agreement_queryset(node: ast.AST, names: _Names, bound: set[str]) -> bool:
    """Whether a queryset expression like `agreements.filter(...)` selects agreements."""
    root = _root_name(node)
    return names.starts_at_agreement(node) or root in bound or bool(root and AGREEMENT_LIKE.search(root))


def _status_targets(target: ast.AST) -> list[ast.Attribute]:
    if isinstance(target, (ast.Tuple, ast.List)):
        return [t for element in target.elts for t in _status_targets(element)]
    return [target] if isinstance(target, ast.Attribute) and target.attr == "status" else []


def _writes_in(scope: ast.AST, names: _Names) -> set[int]:
    bound = _agreement_bound(scope, names)
    lines = set()
    for node in ast.walk(scope):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in (t for each in targets for t in _status_targets(each)):
                if names.mentions_status(node.value) or _is_agreement(target.value, names, bound):
                    lines.add(node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Name)
                and func.id == "setattr"
                and len(node.args) == 3
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value == "status"
                and (names.mentions_status(node.args[2]) or _is_agreement(node.args[0], names, bound))
            ):
                lines.add(node.lineno)
            if not isinstance(func, ast.Attribute):
                continue
            values = []
            if func.attr == "update":
                values = [k.value for k in node.keywords if k.arg == "status"]
            elif func.attr == "update_or_create":
                for keyword in node.keywords:
                    if keyword.arg in ("defaults", "create_defaults") and isinstance(keyword.value, ast.Dict):
                        values += [
                            v
                            for k, v in zip(keyword.value.keys, keyword.value.values, strict=True)
                            if isinstance(k, ast.Constant) and k.value == "status"
                        ]
            if any(names.mentions_status(v) or _is_agreement_queryset(func.value, names, bound) for v in values):
                lines.add(node.lineno)
    return lines


def status_writes(source: str) -> list[int]:
    """The lines of a module's source that write an agreement's status, by the rule above."""
    tree = ast.parse(source)
    names = _Names(tree)
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))]
    return sorted(set().union(*(_writes_in(scope, names) for scope in scopes)))


def _modules() -> list[Path]:
    return sorted(
        path.relative_to(ROOT)
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def test_only_the_lifecycle_writes_an_agreements_status():
    offenders = [
        f"{path}:{line}"
        for path in _modules()
        if path != SINGLE_WRITER
        for line in status_writes((ROOT / path).read_text(encoding="utf-8"))
    ]
    assert offenders == [], "Status nur über agreements.services.lifecycle.apply() ändern: " + ", ".join(offenders)


def test_the_rule_finds_the_single_writer_itself():
    assert status_writes((ROOT / SINGLE_WRITER).read_text(encoding="utf-8")), "the rule no longer sees apply()"


@pytest.mark.parametrize(
    "source",
    [
        "from agreements.models import Status\ndef f(x):\n    x.status = Status.IN_KRAFT\n",
        "from agreements.models import Status as S\ndef f(x):\n    x.status, x.version = S.BEENDET, 2\n",
        "from agreements import models\ndef f(x):\n    x.status = models.Status.BEENDET\n",
        "def f(agreement, target):\n    agreement.status = target\n",
        "def f(self, target):\n    self.agreement.status = target\n",
        "def f(locked: Agreement, target):\n    locked.status = target\n",
        "def f(pk, target):\n    locked = Agreement.objects.get(pk=pk)\n    locked.status = target\n",
        "def f(target):\n    for row in Agreement.objects.all():\n        row.status = target\n",
        "def f(x, target):\n    setattr(agreement, 'status', target)\n",
        "def f(pk, target):\n    Agreement.objects.filter(pk=pk).update(status=target)\n",
        "def f(agreements, target):\n    agreements.filter(pk=1).update(status=target)\n",
        "from agreements.models import Status\ndef f(qs):\n    qs.update(status=Status.BEENDET)\n",
        "def f(pk, target):\n    Agreement.objects.update_or_create(pk=pk, defaults={'status': target})\n",
    ],
)
def test_the_rule_flags_status_writes(source):
    assert status_writes(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "from conferences.models import TaskStatus\ndef f(task: Task, status):\n    task.status = status\n",
        "def f(answer):\n    answer.status, answer.at = AnswerStatus.SUBMITTED, 1\n",
        "def f(pk):\n    Task.objects.filter(pk=pk).update(status=TaskStatus.DONE)\n",
        "from agreements.models import Status\ndef f():\n    return Agreement.objects.filter(status=Status.IN_KRAFT)\n",
        "from agreements.models import Status as S\ndef f():\n    return Agreement.objects.create(status=S.ENTWURF)\n",
        "from agreements.models import Status\ndef f(agreement):\n    return agreement.status == Status.BEENDET\n",
        "def f(agreement: Agreement, value):\n    agreement.term.status = value\n",
    ],
)
def test_the_rule_passes_other_models_creation_and_reads(source):
    assert status_writes(source) == []


# --- apply() ---------------------------------------------------------------------------------------------


def _in_status(agreement: Agreement, status: str, **fields) -> Agreement:
    Agreement.objects.filter(pk=agreement.pk).update(status=status, **fields)
    return Agreement.objects.get(pk=agreement.pk)


def _history(agreement: Agreement) -> int:
    return LogEntry.objects.get_for_object(agreement).count()


@pytest.mark.django_db
def test_an_illegal_transition_is_refused_in_german_and_writes_nothing(agreement, coordinator):
    in_force = _in_status(agreement, Status.IN_KRAFT)
    history = _history(in_force)
    with pytest.raises(DomainError) as refused:
        lifecycle.apply(in_force, "start_approval", coordinator)
    assert refused.value.message == REFUSED_IN_FORCE
    assert in_force.status == Status.IN_KRAFT
    stored = Agreement.objects.get(pk=agreement.pk)
    assert (stored.status, stored.version) == (Status.IN_KRAFT, in_force.version)
    assert not StatusChange.objects.filter(agreement=agreement).exists()
    assert _history(in_force) == history


@pytest.mark.django_db
def test_an_unknown_transition_is_refused(agreement, coordinator):
    with pytest.raises(DomainError) as refused:
        lifecycle.apply(agreement, "publish", coordinator)
    assert refused.value.message == "Diesen Schritt gibt es nicht."
    assert not StatusChange.objects.filter(agreement=agreement).exists()


@pytest.mark.django_db
def test_a_transition_bumps_the_version_and_records_one_status_change_and_history(agreement, coordinator):
    in_approval = _in_status(agreement, Status.IN_ABSTIMMUNG)
    version, history = in_approval.version, _history(in_approval)
    lifecycle.apply(in_approval, "return_text", coordinator, "Bitte Ziele schärfen.")
    stored = Agreement.objects.get(pk=agreement.pk)
    assert (stored.status, stored.version) == (Status.IN_ERARBEITUNG, version + 1)
    assert in_approval.version == version + 1
    change = StatusChange.objects.get(agreement=agreement)
    assert (change.transition, change.from_status, change.to_status) == (
        "return_text",
        Status.IN_ABSTIMMUNG,
        Status.IN_ERARBEITUNG,
    )
    assert (change.by, change.comment) == (coordinator, "Bitte Ziele schärfen.")
    assert _history(stored) == history + 1


@pytest.mark.django_db
def test_further_fields_are_saved_with_the_status(agreement):
    in_force = _in_status(agreement, Status.IN_KRAFT)
    today = timezone.localdate()
    lifecycle.apply(in_force, "end", None, "Ersetzt.", changes={"ended_on": today, "end_reason": "Ersetzt."})
    stored = Agreement.objects.get(pk=agreement.pk)
    assert (stored.status, stored.ended_on, stored.end_reason) == (Status.BEENDET, today, "Ersetzt.")
    entry = LogEntry.objects.get_for_object(stored).order_by("-pk").first()
    assert {"status", "ended_on", "end_reason"} <= set(entry.changes_dict)


@pytest.mark.django_db
def test_a_stale_copy_cannot_change_the_status(agreement):
    in_force = _in_status(agreement, Status.IN_KRAFT)
    Agreement.objects.filter(pk=agreement.pk).update(version=in_force.version + 1)
    with pytest.raises(ConflictError):
        lifecycle.apply(in_force, "review_due", None)
    assert Agreement.objects.get(pk=agreement.pk).status == Status.IN_KRAFT
    assert not StatusChange.objects.filter(agreement=agreement).exists()


@pytest.mark.django_db
def test_system_transitions_are_no_buttons(agreement, coordinator):
    in_force = _in_status(agreement, Status.IN_KRAFT)
    names = {transition.name for transition, _verdict in lifecycle.available(coordinator, in_force)}
    assert not names & set(lifecycle.SYSTEM_TRANSITIONS)
    assert not lifecycle.check(coordinator, in_force, "review_due")


@pytest.mark.django_db
def test_the_daily_job_changes_status_through_the_lifecycle_without_a_user(agreement, monkeypatch):
    yesterday = timezone.localdate() - timedelta(days=1)
    due = _in_status(agreement, Status.IN_KRAFT, review_due_on=yesterday)
    taken = []
    original = lifecycle.apply
    monkeypatch.setattr(lifecycle, "apply", lambda *args, **kwargs: taken.append(args[1]) or original(*args, **kwargs))
    counts = validity.daily()
    assert counts["review_due"] == 1
    assert taken == ["review_due"]
    stored = Agreement.objects.get(pk=agreement.pk)
    assert (stored.status, stored.version) == (Status.UEBERPRUEFUNG_FAELLIG, due.version + 1)
    change = StatusChange.objects.get(agreement=agreement)
    assert (change.transition, change.by) == ("review_due", None)

    Agreement.objects.filter(pk=agreement.pk).update(in_force_until=yesterday)
    assert validity.daily()["expired"] == 1
    assert taken == ["review_due", "end"]
    ended = StatusChange.objects.filter(agreement=agreement).last()
    assert (ended.transition, ended.from_status, ended.to_status, ended.by) == (
        "end",
        Status.UEBERPRUEFUNG_FAELLIG,
        Status.BEENDET,
        None,
    )
    assert ended.comment == Agreement.objects.get(pk=agreement.pk).end_reason == "Die Laufzeit ist abgelaufen."
