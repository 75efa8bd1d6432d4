"""The yearly Qualitätsdialog: opening it, self-assessments, the comparison, the chart and the levels."""

from __future__ import annotations

import itertools
import re
from html import unescape

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agreements.models import (
    AssessmentStatus,
    ConditionRating,
    ConditionState,
    DimensionRating,
    QualityDialogue,
    QualityDimension,
    QualityLevel,
    SelfAssessment,
)
from agreements.queries import quality
from kooperation.network.models import Role
from tests import quality_data as qd
from tests.factories import form_data, formset_data

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
ONLY_COORDINATION = "Den Qualitätsdialog eröffnet die Koordination einer Partnerinstitution."
ONLY_BOARD = "Die Selbsteinschätzung gibt die Vertretung der Institution im Kooperationsgremium ab."
READ_ONLY = "Diese Selbsteinschätzung ist abgegeben und kann nicht mehr geändert werden."
CHOOSE_LEVEL = "Bitte vor der Abgabe eine Stufe wählen."
CHOOSE_STATE = "Bitte vor der Abgabe einschätzen."
CONFLICT = "Jemand anderes hat diese Selbsteinschätzung inzwischen gespeichert."


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


def dimension_ids() -> list[int]:
    return [d.pk for d in quality.dimensions()]


@pytest.fixture
def dialogue(agreement, coordinator):
    return qd.open_dialogue(coordinator, agreement, YEAR)


@pytest.fixture
def board_rep(agreement, institution):
    """Mitglied of `institution` with a seat on the Kooperationsgremium."""
    return qd.representative(agreement, institution, first_name="Berta")


@pytest.fixture
def partner_rep(agreement, partner_institution):
    return qd.representative(agreement, partner_institution, first_name="Pia")


def assessment_url(dialogue, institution) -> str:
    return reverse("quality_assessment", args=[dialogue.pk, institution.pk])


# Opening the dialogue ----------------------------------------------------------------------


def test_partner_coordination_opens_the_dialogue_with_one_assessment_per_partner(
    client_for, agreement, coordinator, institution, partner_institution, board_rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).post(reverse("quality_open", args=[agreement.pk]), follow=True)
    dialogue = QualityDialogue.objects.get(agreement=agreement)
    assert dialogue.year == YEAR
    assert dialogue.opened_by == coordinator
    assert response.redirect_chain[-1][0] == reverse("quality_dialogue", args=[dialogue.pk])
    assert f"Der Qualitätsdialog {YEAR} ist eröffnet." in text(response)
    assessments = SelfAssessment.objects.filter(dialogue=dialogue)
    assert {a.institution_id for a in assessments} == {institution.pk, partner_institution.pk}
    assert {a.status for a in assessments} == {AssessmentStatus.DRAFT}
    # The board representatives are asked for their self-assessment.
    assert [m.to for m in mail.outbox] == [[board_rep.email]]
    assert f"Qualitätsdialog {YEAR}" in mail.outbox[0].subject


def test_coordination_of_the_other_partner_may_open_too(client_for, agreement, partner_institution):
    other = qd.person(partner_institution, Role.KOORDINATION)
    response = client_for(other).post(reverse("quality_open", args=[agreement.pk]))
    assert response.status_code == 302
    assert QualityDialogue.objects.filter(agreement=agreement, year=YEAR).exists()


@pytest.mark.parametrize("role", [Role.MITGLIED, Role.LEITUNG, Role.FACHKRAFT])
def test_only_koordination_opens_the_dialogue(client_for, agreement, institution, role):
    response = client_for(qd.person(institution, role)).post(reverse("quality_open", args=[agreement.pk]))
    assert response.status_code == 403
    assert ONLY_COORDINATION in text(response)
    assert not QualityDialogue.objects.exists()


def test_the_open_button_is_shown_to_koordination_only(client_for, agreement, coordinator, member):
    url = reverse("quality_overview", args=[agreement.pk])
    assert f"Qualitätsdialog {YEAR} eröffnen" in text(client_for(coordinator).get(url))
    assert f"Qualitätsdialog {YEAR} eröffnen" not in text(client_for(member).get(url))


def test_outsider_cannot_open_a_dialogue(client_for, agreement, outsider):
    assert client_for(outsider).post(reverse("quality_open", args=[agreement.pk])).status_code == 404
    assert not QualityDialogue.objects.exists()


def test_the_dialogue_opens_once_per_year(client_for, agreement, coordinator):
    client = client_for(coordinator)
    url = reverse("quality_open", args=[agreement.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("quality_overview", args=[agreement.pk])
    assert f"Für {YEAR} gibt es bereits einen Qualitätsdialog." in text(response)
    assert QualityDialogue.objects.filter(agreement=agreement).count() == 1
    assert SelfAssessment.objects.count() == 2
    # Once opened, the overview no longer offers the button.
    assert f"Qualitätsdialog {YEAR} eröffnen" not in text(response)


def test_opening_is_post_only(client_for, agreement, coordinator):
    assert client_for(coordinator).get(reverse("quality_open", args=[agreement.pk])).status_code == 405


# Who fills in a self-assessment ------------------------------------------------------------


def test_board_representative_saves_a_draft(client_for, dialogue, institution, board_rep):
    client = client_for(board_rep)
    url = assessment_url(dialogue, institution)
    version = client.get(url).context["form"]["version"].value()
    first, second = dimension_ids()[:2]
    data = qd.form_post({first: 2, second: 4}, {"a": ConditionState.PARTLY}, version=version, comment="Erste Notizen")
    data["notiz_a"] = "Die Einwilligung wird nicht immer eingeholt."
    response = client.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "Der Entwurf wurde gespeichert." in text(response)
    saved = qd.assessment(dialogue, institution)
    assert saved.status == AssessmentStatus.DRAFT
    assert {r.dimension_id: r.level for r in saved.ratings.all()} == {first: 2, second: 4}
    [condition] = saved.conditions.all()
    assert (condition.label, condition.state, condition.note) == (
        "a",
        ConditionState.PARTLY,
        "Die Einwilligung wird nicht immer eingeholt.",
    )
    assert condition.text == "Einverständnis und Akzeptanz der Klientel"
    assert saved.comment == "Erste Notizen"
    # The draft is shown again as saved.
    form = response.context["form"]
    assert form[f"dimension_{first}"].value() == 2
    assert form["bedingung_a"].value() == ConditionState.PARTLY


def test_koordination_of_the_institution_may_fill_in_without_a_board_seat(
    client_for, dialogue, institution, coordinator
):
    client = client_for(coordinator)
    url = assessment_url(dialogue, institution)
    response = client.post(url, qd.form_post({dimension_ids()[0]: 3}, version=1))
    assert response.status_code == 302
    assert qd.assessment(dialogue, institution).ratings.get().level == 3


@pytest.mark.parametrize("role", [Role.MITGLIED, Role.LEITUNG, Role.FACHKRAFT])
def test_others_of_the_institution_may_read_but_not_save(client_for, dialogue, institution, role):
    client = client_for(qd.person(institution, role))
    url = assessment_url(dialogue, institution)
    page = client.get(url)
    assert page.status_code == 200
    assert ONLY_BOARD in text(page)
    assert "Selbsteinschätzung abgeben" not in text(page)
    response = client.post(url, qd.form_post({dimension_ids()[0]: 3}, version=1))
    assert response.status_code == 403
    assert ONLY_BOARD in text(response)
    assert not DimensionRating.objects.exists()


def test_a_board_seat_for_another_institution_gives_no_right(client_for, dialogue, institution, partner_rep):
    """The partner's representative neither sees nor edits this institution's draft: 404."""
    client = client_for(partner_rep)
    url = assessment_url(dialogue, institution)
    assert client.get(url).status_code == 404
    assert client.post(url, qd.form_post({dimension_ids()[0]: 3}, version=1)).status_code == 404
    assert not DimensionRating.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "admin_user"])
def test_drafts_are_404_outside_the_institution(client_for, request, dialogue, institution, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(assessment_url(dialogue, institution)).status_code == 404


def test_the_dialogue_page_links_only_the_own_assessment(
    client_for, dialogue, institution, partner_institution, member
):
    response = client_for(member).get(reverse("quality_dialogue", args=[dialogue.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert assessment_url(dialogue, institution) in body
    assert assessment_url(dialogue, partner_institution) not in body


# Submitting ----------------------------------------------------------------------------------


def test_submit_requires_every_level_and_condition(client_for, dialogue, institution, board_rep):
    client = client_for(board_rep)
    url = assessment_url(dialogue, institution)
    first, second, third, fourth = dimension_ids()
    conditions = dict.fromkeys("abcdefgh", ConditionState.MET)  # i and j are missing
    response = client.post(url, qd.form_post({first: 3, second: 3}, conditions, version=1, submit=True))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[f"dimension_{third}"] == [CHOOSE_LEVEL]
    assert form.errors[f"dimension_{fourth}"] == [CHOOSE_LEVEL]
    assert form.errors["bedingung_i"] == [CHOOSE_STATE]
    assert form.errors["bedingung_j"] == [CHOOSE_STATE]
    assert set(form.errors) == {f"dimension_{third}", f"dimension_{fourth}", "bedingung_i", "bedingung_j"}
    assert text(response).count(CHOOSE_LEVEL) == 2
    saved = qd.assessment(dialogue, institution)
    assert saved.status == AssessmentStatus.DRAFT
    assert not saved.ratings.exists()
    assert not saved.conditions.exists()


def test_an_invalid_level_gets_a_german_field_error(client_for, dialogue, institution, board_rep):
    client = client_for(board_rep)
    first = dimension_ids()[0]
    response = client.post(assessment_url(dialogue, institution), qd.form_post({first: 7}, {"a": "super"}, version=1))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors[f"dimension_{first}"] == ["Bitte eine gültige Auswahl treffen. 7 ist keine gültige Auswahl."]
    assert errors["bedingung_a"] == ["Bitte eine gültige Auswahl treffen. super ist keine gültige Auswahl."]
    assert not DimensionRating.objects.exists()


def test_a_complete_submission_is_final_and_read_only(client_for, dialogue, institution, board_rep):
    client = client_for(board_rep)
    url = assessment_url(dialogue, institution)
    levels = dict(zip(dimension_ids(), [2, 3, 4, 5], strict=True))
    response = client.post(url, qd.form_post(levels, qd.ALL_MET, version=1, submit=True), follow=True)
    assert response.redirect_chain[-1][0] == reverse("quality_dialogue", args=[dialogue.pk])
    assert "Ihre Selbsteinschätzung ist abgegeben." in text(response)
    saved = qd.assessment(dialogue, institution)
    assert saved.status == AssessmentStatus.SUBMITTED
    assert saved.submitted_by == board_rep
    assert saved.submitted_at is not None
    assert saved.conditions.count() == 10

    page = client.get(url)
    assert READ_ONLY in text(page)
    assert "Entwurf speichern" not in text(page)
    assert "Selbsteinschätzung abgeben" not in text(page)
    refused = client.post(url, qd.form_post(dict.fromkeys(levels, 1), qd.ALL_MET, version=saved.version))
    assert refused.status_code == 403
    assert READ_ONLY in text(refused)
    assert sorted(r.level for r in qd.assessment(dialogue, institution).ratings.all()) == [2, 3, 4, 5]


def test_two_stale_saves_the_second_gets_the_conflict_message(dialogue, institution, board_rep, coordinator):
    url = assessment_url(dialogue, institution)
    first_client, second_client = Client(), Client()
    first_client.force_login(board_rep)
    second_client.force_login(coordinator)
    first_dim = dimension_ids()[0]
    version = first_client.get(url).context["form"]["version"].value()
    assert second_client.get(url).context["form"]["version"].value() == version

    assert first_client.post(url, qd.form_post({first_dim: 2}, version=version)).status_code == 302
    response = second_client.post(url, qd.form_post({first_dim: 5}, version=version, comment="Meine Sicht"))
    assert response.status_code == 200
    assert CONFLICT in text(response)
    # Nothing was overwritten; the second saver's input is still in the form, with both versions shown.
    assert qd.assessment(dialogue, institution).ratings.get().level == 2
    form = response.context["form"]
    assert form[f"dimension_{first_dim}"].value() in (5, "5")
    assert form["comment"].value() == "Meine Sicht"
    changes = {c.label: (c.saved, c.yours) for c in form.conflict_changes}
    dimension = QualityDimension.objects.get(pk=first_dim)
    assert changes[dimension.name] == ("2 – Vom Hörensagen", "5 – Vertraut")
    assert changes["Anmerkungen"] == ("–", "Meine Sicht")
    assert "Gespeicherte Fassung" in text(response)
    # Saving again on purpose (with the version the page now carries) takes the second saver's input.
    again = form["version"].value()
    assert int(again) == version + 1
    assert second_client.post(url, qd.form_post({first_dim: 5}, version=again)).status_code == 302
    assert qd.assessment(dialogue, institution).ratings.get().level == 5


# Comparison and talking points ---------------------------------------------------------------


@pytest.fixture
def three_partners(agreement, coordinator, institution, partner_institution):
    """A third partner; the dialogue of this year with the Koordination of every partner."""
    [third] = qd.add_partners(agreement, 1, prefix="Hebammenpraxis")
    coordinators = {
        institution.pk: coordinator,
        partner_institution.pk: qd.person(partner_institution, Role.KOORDINATION),
        third.pk: qd.person(third, Role.KOORDINATION),
    }
    dialogue = qd.open_dialogue(coordinator, agreement, YEAR)
    return dialogue, [institution, partner_institution, third], coordinators


def test_comparison_shows_submitted_assessments_only(client_for, three_partners, coordinator):
    dialogue, (own, partner, third), coordinators = three_partners
    qd.fill(coordinators[own.pk], dialogue, own, [1, 2, 3, 4])
    qd.fill(coordinators[partner.pk], dialogue, partner, [5, 5, 5, 5], submit=False)
    response = client_for(coordinator).get(reverse("quality_dialogue", args=[dialogue.pk]))
    comparison = response.context["comparison"]
    first_row = comparison.rows[0][1]
    assert [(p.institution_id, level) for p, level in first_row] == [(own.pk, 1), (partner.pk, None), (third.pk, None)]
    assert all(level is None for _p, level in comparison.rows[3][1][1:])
    assert comparison.talking_points == []
    # The draft's level 5 appears nowhere; the status list says who is still outstanding.
    page = text(response)
    assert "Stufe 5" not in page.split("Jede Dimension über die Jahre")[0]
    assert f'{own.name}: <span class="badge text-bg-success">abgegeben' in page
    assert f'{partner.name}: <span class="badge text-bg-warning">ausstehend' in page
    assert f'{third.name}: <span class="badge text-bg-warning">ausstehend' in page


def test_talking_points_are_ordered_by_spread_and_name_the_institutions(three_partners, client_for, coordinator):
    dialogue, (own, partner, third), coordinators = three_partners
    dims = [d.name for d in quality.dimensions()]
    # Wissenstiefe: 1, 4, 2 (3 levels apart); Angebote: all 3; Verbindlichkeit: 2, 3, 2; Regelmäßigkeit: 5, 3, 3.
    qd.fill(coordinators[own.pk], dialogue, own, [1, 3, 2, 5])
    qd.fill(coordinators[partner.pk], dialogue, partner, [4, 3, 3, 3], {"c": ConditionState.NOT_MET})
    qd.fill(coordinators[third.pk], dialogue, third, [2, 3, 2, 3], {"e": ConditionState.PARTLY})
    response = client_for(coordinator).get(reverse("quality_dialogue", args=[dialogue.pk]))
    points = [(p.spread, p.text) for p in response.context["comparison"].talking_points]
    assert points == [
        (3, f"„{dims[0]}“: {partner.short_name} sieht Stufe 4, {own.short_name} Stufe 1 (3 Stufen Unterschied)."),
        (2, f"„{dims[3]}“: {own.short_name} sieht Stufe 5, {partner.short_name} Stufe 3 (2 Stufen Unterschied)."),
        (
            2,
            "Bedingung c) „Aufstellung gemeinsamer Indikatoren zur Zielerreichung unter Einbezug der Klientel“ "
            "wird unterschiedlich eingeschätzt.",
        ),
        (1, f"„{dims[2]}“: {partner.short_name} sieht Stufe 3, {own.short_name} Stufe 2 (1 Stufe Unterschied)."),
        (
            1,
            "Bedingung e) „Vereinbarung gemeinsamer Kommunikations-, Rückmeldungs- und Berichtsstrukturen“ "
            "wird unterschiedlich eingeschätzt.",
        ),
    ]
    page = text(response)
    listed = re.search(r"auseinandergehen</h2> <ol>(.*?)</ol>", page).group(1)
    assert re.findall(r"<li>(.*?)</li>", listed) == [t for _s, t in points]
    # Side by side: every partner's level per dimension, and the differing conditions marked.
    rows = {d.name: [level for _p, level in cells] for d, cells in response.context["comparison"].rows}
    assert rows == {dims[0]: [1, 4, 2], dims[1]: [3, 3, 3], dims[2]: [2, 3, 2], dims[3]: [5, 3, 3]}
    differing = [label for label, _t, _c, differs in response.context["comparison"].condition_rows if differs]
    assert differing == ["c", "e"]
    assert page.count('badge text-bg-warning">unterschiedlich') == 2


# The chart over the years --------------------------------------------------------------------


@pytest.fixture
def two_years(agreement, coordinator, institution, partner_institution):
    partner_coordinator = qd.person(partner_institution, Role.KOORDINATION)
    last = qd.open_dialogue(coordinator, agreement, YEAR - 1)
    qd.fill(coordinator, last, institution, [1, 2, 3, 4])
    qd.fill(partner_coordinator, last, partner_institution, [3, 2, 3, 2])
    current = qd.open_dialogue(coordinator, agreement, YEAR)
    qd.fill(coordinator, current, institution, [2, 3, 4, 5])
    qd.fill(partner_coordinator, current, partner_institution, [4, 3, 4, 5], submit=False)
    return last, current


def _chart_svg(response) -> str:
    return re.search(r"<svg[^>]*aria-labelledby=\"chart-title chart-desc\".*?</svg>", response.content.decode(), re.S)[
        0
    ]


def test_chart_has_one_series_per_dimension_with_own_marker_and_dash(client_for, agreement, coordinator, two_years):
    response = client_for(coordinator).get(reverse("quality_overview", args=[agreement.pk]))
    svg = _chart_svg(response)
    series = re.findall(r"<g class=\"series\">(.*?)</g>", svg, re.S)
    assert len(series) == 4
    markers = []
    for group in series:
        if "<circle" in group:
            markers.append("circle")
        elif "<rect" in group:
            markers.append("square")
        elif re.search(r"<polygon points=\"[^\"]*\"\s+fill=\"#0b4f71\"", group):
            markers.append("triangle")
        else:
            markers.append("diamond")
        # Two years: every series is a line with two markers.
        assert group.count("<polyline") == 1
    assert markers == ["circle", "square", "triangle", "diamond"]
    dashes = re.findall(r"stroke-dasharray=\"([^\"]*)\"", svg)
    assert len(dashes) == 4
    assert len(set(dashes)) == 4
    labels = re.findall(r"<text [^>]*font-size=\"11\"[^>]*>([^<]*)</text>", svg)
    assert len(labels) == 4


def assert_svg_numbers(svg: str) -> None:
    """Coordinates are plain numbers with a decimal point, never localised ("87,5" breaks the drawing)."""
    number = r"-?\d+(\.\d+)?"
    drawing = svg.split(">", 1)[1]  # the <svg> element itself is 100% wide
    for name, value in re.findall(r"\s(x|y|x1|x2|y1|y2|cx|cy|r|width|height)=\"([^\"]*)\"", drawing):
        assert re.fullmatch(number, value), f"{name}={value!r}"
    for value in re.findall(r"\spoints=\"([^\"]*)\"", drawing):
        assert re.fullmatch(rf"{number},{number}( {number},{number})*", value), value


@pytest.mark.parametrize("year_count", [1, 2])
def test_chart_coordinates_are_not_localised(client_for, agreement, coordinator, two_years, year_count):
    if year_count == 1:
        two_years[0].delete()
    for url in (
        reverse("quality_overview", args=[agreement.pk]),
        reverse("quality_dialogue", args=[two_years[1].pk]),
    ):
        svg = _chart_svg(client_for(coordinator).get(url))
        assert_svg_numbers(svg)
        # The markers' coordinates are decimals (German would write them with a comma).
        assert re.search(r"\scx=\"\d+\.\d\"", svg)


def test_chart_has_a_text_alternative_and_the_data_table(client_for, agreement, coordinator, two_years):
    response = client_for(coordinator).get(reverse("quality_overview", args=[agreement.pk]))
    svg = _chart_svg(response)
    assert 'role="img"' in svg
    assert '<title id="chart-title">Qualitätsstufen je Dimension über die Jahre</title>' in svg
    assert re.search(r"<desc id=\"chart-desc\">Durchschnittliche Stufe .*Tabelle darunter\.</desc>", svg)
    years, series = response.context["years"], response.context["series"]
    assert years == [YEAR - 1, YEAR]
    # Submitted only: this year's partner draft does not count.
    assert [s.points for s in series] == [
        [(YEAR - 1, 2.0, 1, 3), (YEAR, 2.0, 2, 2)],
        [(YEAR - 1, 2.0, 2, 2), (YEAR, 3.0, 3, 3)],
        [(YEAR - 1, 3.0, 3, 3), (YEAR, 4.0, 4, 4)],
        [(YEAR - 1, 3.0, 2, 4), (YEAR, 5.0, 5, 5)],
    ]
    page = text(response)
    table = re.search(r"<caption>Die Werte des Diagramms.*?</table>", page).group(0)
    rows = re.findall(r"<tr><th scope=\"row\">([^<]*)</th>(.*?)</tr>", table)
    assert [name for name, _cells in rows] == [d.name for d in quality.dimensions()]
    assert re.findall(r"<td>([^<]*)</td>", rows[0][1]) == ["2,0 (1–3)", "2,0 (2–2)"]
    assert re.findall(r"<td>([^<]*)</td>", rows[3][1]) == ["3,0 (2–4)", "5,0 (5–5)"]


def test_chart_coordinates_put_level_5_on_top_and_years_left_to_right():
    series = [quality.Series(object(), [(2025, 1.0, 1, 1), (2026, 5.0, 5, 5)], "circle", "")]
    data = quality.chart([2025, 2026], series)
    [(x1, y1, _a, _y), (x2, y2, _b, _z)] = data["lines"][0]["coords"]
    assert (x1, x2) == (data["left"], data["plot_right"])
    assert (y1, y2) == (data["plot_bottom"], data["top"])


def test_end_labels_keep_apart():
    dims = [object(), object(), object()]
    series = [quality.Series(d, [(2026, 3.0, 3, 3)], "circle", "") for d in dims]
    label_ys = [line["label_y"] for line in quality.chart([2026], series)["lines"]]
    assert all(b - a >= 14 for a, b in itertools.pairwise(sorted(label_ys)))


def test_without_submitted_assessments_there_is_no_chart(client_for, agreement, coordinator, dialogue):
    response = client_for(coordinator).get(reverse("quality_dialogue", args=[dialogue.pk]))
    assert "Noch keine abgegebenen Selbsteinschätzungen." in text(response)
    assert "chart-title" not in response.content.decode()


# The levels catalogue ------------------------------------------------------------------------


def test_quality_levels_is_for_administration_only(client_for, coordinator, member):
    for user in (coordinator, member):
        response = client_for(user).get(reverse("quality_levels"))
        assert response.status_code == 403
        assert "Nur die Administration pflegt die Kataloge." in text(response)
    dimension = QualityDimension.objects.first()
    response = client_for(coordinator).post(reverse("quality_dimension_edit", args=[dimension.pk]), {})
    assert response.status_code == 403


def test_levels_page_lists_the_seed_dimensions(client_for, admin_user):
    response = client_for(admin_user).get(reverse("quality_levels"))
    assert response.status_code == 200
    page = text(response)
    for name in (
        "Wissenstiefe zu den Angeboten der Partner",
        "Angebote der Partner",
        "Verbindlichkeit der Zusammenarbeit",
        "Regelmäßigkeit des Austausches",
    ):
        assert name in page
    assert QualityLevel.objects.count() == 20


def test_admin_renames_a_level_and_a_later_dialogue_shows_it(
    client_for, admin_user, agreement, coordinator, institution
):
    dimension = QualityDimension.objects.get(name="Verbindlichkeit der Zusammenarbeit")
    url = reverse("quality_dimension_edit", args=[dimension.pk])
    admin = client_for(admin_user)
    context = admin.get(url).context
    data = {**form_data(context["form"]), **formset_data(context["formset"])}
    data["stufen-2-name"] = "Feste Abläufe"
    data["stufen-2-description"] = "Ansprechpersonen und Abläufe sind vereinbart und bekannt."
    response = admin.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("quality_levels")
    assert "Die Stufen wurden gespeichert." in text(response)
    assert QualityLevel.objects.get(dimension=dimension, level=3).name == "Feste Abläufe"

    dialogue = qd.open_dialogue(coordinator, agreement, YEAR)
    page = text(client_for(coordinator).get(assessment_url(dialogue, institution)))
    assert "3 – Feste Abläufe: Ansprechpersonen und Abläufe sind vereinbart und bekannt." in page
    assert "Vereinbarte Abläufe" not in page


def test_a_stale_level_gets_a_conflict_and_nothing_is_saved(client_for, admin_user):
    dimension = QualityDimension.objects.get(name="Verbindlichkeit der Zusammenarbeit")
    url = reverse("quality_dimension_edit", args=[dimension.pk])
    admin = client_for(admin_user)
    context = admin.get(url).context
    first = {**form_data(context["form"]), **formset_data(context["formset"])}
    second = dict(first)
    first["stufen-2-name"] = "Feste Abläufe"
    second["stufen-2-name"] = "Gelebte Abläufe"
    second["dimension-description"] = "Geändert"
    assert admin.post(url, first).status_code == 302
    response = admin.post(url, second)
    assert response.status_code == 200
    assert "Diese Angaben wurden gespeichert, während Sie sie bearbeitet haben." in text(response)
    # The dimension is saved first, so its form reports the conflict, with the description changed.
    assert [change.yours for change in response.context["form"].conflict_changes] == ["Geändert"]
    assert QualityLevel.objects.get(dimension=dimension, level=3).name == "Feste Abläufe"
    assert QualityDimension.objects.get(pk=dimension.pk).description != "Geändert"


def test_a_level_name_is_required(client_for, admin_user):
    dimension = QualityDimension.objects.first()
    url = reverse("quality_dimension_edit", args=[dimension.pk])
    admin = client_for(admin_user)
    context = admin.get(url).context
    data = {**form_data(context["form"]), **formset_data(context["formset"])}
    data["stufen-0-name"] = ""
    response = admin.post(url, data)
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["name"] == ["Dieses Feld ist zwingend erforderlich."]
    assert QualityLevel.objects.get(dimension=dimension, level=1).name == "Unbekannt"


def test_conditions_are_the_ten_of_seed_000():
    assert [(c.label, c.text) for c in quality.conditions()][:2] == [
        ("a", "Einverständnis und Akzeptanz der Klientel"),
        ("b", "Formulierung eines gemeinsamen Zieles für die Kooperation unter Einbezug der Klientel"),
    ]
    assert [c.label for c in quality.conditions()] == list("abcdefghij")
    assert not ConditionRating.objects.exists()
