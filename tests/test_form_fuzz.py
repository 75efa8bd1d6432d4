"""Fuzzing every POST form of the project: whatever is sent, the answer is never a server error.

The forms are found through the permission matrix (tests/test_permission_matrix.py): every URL
with a POST expectation is requested by a role allowed to post there, its page's own POST form
is read from the HTML (field names, values, select options), and hypothesis sends mutations of
it — huge and negative numbers, long texts, NUL and control characters, bidi overrides, dates
like 0001-01-01 and 9999-12-31, text where numbers belong, a missing management form, a forged
TOTAL_FORMS. POST-only actions (no form of their own) get the matrix's post data mutated.

The run is derandomized (the same examples every time) and bounded: a few examples per URL.
"""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.forms_html import main_form
from tests.test_permission_matrix import MATRIX, ROLES, Case

pytestmark = pytest.mark.django_db

EXAMPLES_PER_FORM = 8

# Roles in the order we try them: the first whose POST is answered with 200 or 302 posts.
_PREFERENCE = ["coordinator", "admin", "member", "outsider", "anonymous"]

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "-2147483649",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999999999999999999999",
    "1e309",
    "NaN",
    "abc",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f",
    "\u202egefährlich\u202d",
    "\u200f\u2066x\u2069",
    "x" * 30_000,
    "0001-01-01",
    "9999-12-31",
    "1899-12-31",
    "2101-01-01",
    "2026-02-30",
    "31.12.9999",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "１２３",
]
LIST_VALUES = [["1", "2"], ["", "\x00"], []]
DROP = object()


def _working_subgroup(fixture) -> dict:
    """The agreement In Erarbeitung: the subgroup of `institution`, where its Koordination drafts answers."""
    from agreements.models import Subgroup
    from tests.structure_data import person, start_work

    agreement = fixture("agreement")
    fixture("member")
    person(fixture("partner_institution"), first_name="Paula")
    start_work(agreement, fixture("coordinator"))
    return {"pk": Subgroup.objects.get(agreement=agreement, institution=fixture("institution")).pk}


# Forms the permission matrix cannot reach with its plain fixtures (nobody may post there yet).
EXTRA_CASES = {
    ("subgroup_work", "working"): Case(
        kwargs=_working_subgroup,
        get={},
        post={"anonymous": "login", "outsider": 404, "member": 200, "coordinator": 200, "admin": 404},
        label="working",
    ),
}


def post_cases() -> list:
    params = []
    for name, entry in MATRIX.items():
        for case in entry if isinstance(entry, list) else [entry]:
            if case.post is None:
                continue
            role = next((r for r in _PREFERENCE if case.post[r] in (200, 302)), None)
            if role is None:
                continue
            label = f"{name}[{case.label}]" if case.label else name
            params.append(pytest.param(name, case, role, id=label))
    for (name, label), case in EXTRA_CASES.items():
        params.append(pytest.param(name, case, "coordinator", id=f"{name}[{label}]"))
    return params


def _prepare(request, client, name: str, case: Case, role: str):
    """Log in, resolve the URL and read the page's own form (or fall back to the matrix's post data)."""
    fixture = request.getfixturevalue
    url = reverse(name, kwargs=case.kwargs(fixture))
    user = fixture(ROLES[role]) if ROLES[role] else None
    if user is not None:
        client.force_login(user)
    form = None
    response = client.get(url)
    if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
        form = main_form(response.content.decode(), url)
    return url, user, form


def _values(form, name: str) -> st.SearchStrategy:
    options = [o for o in form.options(name) if o] if form else []
    choices = [st.sampled_from(NASTY), st.text(st.characters(exclude_categories=("Cs",)), max_size=40)]
    if options:
        choices.append(st.sampled_from(options))
    if name.endswith(("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")):
        choices.append(st.sampled_from(["100000", "1000000000000", "-5", "51", "abc"]))
    choices.append(st.sampled_from(LIST_VALUES))
    choices.append(st.just(DROP))
    return st.one_of(choices)


@st.composite
def mutations(draw, base: dict, names: list[str], form):
    data = dict(base)
    mode = draw(st.sampled_from(["one", "few", "all", "management"]))
    if mode == "management":
        targets = [n for n in names if n.endswith("_FORMS")] or names
    elif mode == "one":
        targets = [draw(st.sampled_from(names))]
    elif mode == "few":
        targets = draw(st.lists(st.sampled_from(names), min_size=1, max_size=5, unique=True))
    else:
        targets = names
    for name in targets:
        value = draw(_values(form, name))
        if value is DROP:
            data.pop(name, None)
        else:
            data[name] = value
    if draw(st.booleans()):
        data[draw(st.sampled_from(["extra", "x-0-id", "form-TOTAL_FORMS"]))] = draw(st.sampled_from(NASTY))
    return data


# What the run covered, for the report at the end (and the completeness check of the formset test).
COVERAGE: dict[str, dict] = {}


@pytest.mark.parametrize(("name", "case", "role"), post_cases())
def test_mutated_posts_never_give_a_server_error(request, client, name, case, role):
    url, user, form = _prepare(request, client, name, case, role)
    base = form.data() if form else dict(case.post_data)
    names = form.names() if form else sorted(base) or ["x"]
    posts = []

    @settings(
        derandomize=True,
        max_examples=EXAMPLES_PER_FORM,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=mutations(base, names, form))
    def check(data):
        if user is not None:
            client.force_login(user)  # a successful logout or deactivation in an earlier example
        started = time.monotonic()
        response = client.post(url, data)
        posts.append(time.monotonic() - started)
        assert response.status_code < 500, (response.status_code, data)

    started = time.monotonic()
    check()
    COVERAGE[name] = {
        "fields": len(names),
        "form": form is not None,
        "formset": any(n.endswith("TOTAL_FORMS") for n in names),
        "examples": len(posts),
        "slowest": max(posts, default=0),
        "seconds": time.monotonic() - started,
    }


def test_report(capsys):
    """Print what the fuzz run covered (runs last in this file)."""
    if not COVERAGE:
        pytest.skip("the fuzz tests did not run in this process")
    with capsys.disabled():
        forms = sum(1 for c in COVERAGE.values() if c["form"])
        print(
            f"\nform fuzz: {len(COVERAGE)} POST URLs ({forms} with a form read from the page, "
            f"{sum(1 for c in COVERAGE.values() if c['formset'])} with formsets), "
            f"{sum(c['examples'] for c in COVERAGE.values())} mutated posts, "
            f"slowest post {max(c['slowest'] for c in COVERAGE.values()):.2f} s"
        )
