"""The nine sections of an agreement: one page each, ordered rows, completeness, field errors, conflicts."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from agreements.models import (
    CatalogueEntry,
    CatalogueKind,
    ConferenceRules,
    Criterion,
    DataProtection,
    DataSharingRule,
    FlowPlan,
    Goal,
    Indicator,
    Responsibility,
    TargetGroup,
    Term,
)
from agreements.queries.sections import SECTIONS
from agreements.services.agreement import create_agreement, set_partners
from kooperation.network.models import Role
from tests.agreement_data import CONFLICT, REQUIRED, fill_sections, section_data, section_url, two_editors
from tests.factories import ArbeitsfeldFactory, InstitutionFactory, MembershipFactory, UserFactory

HX = {"HX-Request": "true"}  # what htmx sends with its requests

pytestmark = pytest.mark.django_db

DELETED_MEANWHILE = "Dieser Eintrag wurde inzwischen von jemand anderem gelöscht."


def add_rows(data: dict, *rows: dict) -> dict:
    """Put `rows` into the blank row and further rows after it, as the 'Weitere Zeile' button does."""
    first = int(data["zeilen-INITIAL_FORMS"])
    for offset, row in enumerate(rows):
        data.update({f"zeilen-{first + offset}-{name}": value for name, value in row.items()})
    data["zeilen-TOTAL_FORMS"] = max(int(data["zeilen-TOTAL_FORMS"]), first + len(rows))
    return data


def single(data: dict, **fields) -> dict:
    data.update({f"abschnitt-{name}": value for name, value in fields.items()})
    return data


def _state(response, key: str):
    return next(state for state in response.context["states"] if state.section.key == key)


@pytest.fixture
def fields(institution, partner_institution):
    """Give the two partners distinct, named Arbeitsfelder."""
    institution.arbeitsfeld = ArbeitsfeldFactory(name="Jugendhilfe", position=1)
    institution.save()
    partner_institution.arbeitsfeld = ArbeitsfeldFactory(name="Medizinische Versorgung", position=2)
    partner_institution.save()
    return institution.arbeitsfeld, partner_institution.arbeitsfeld


@pytest.fixture
def editor(client_for, coordinator):
    return client_for(coordinator)


# --- every section page saves, and the agreement page shows it ------------------------------------


def _zielgruppen(agreement, fields):
    rows = [{"name": "Schwangere mit Suchtproblematik", "description": "auch Substituierte"}]
    return rows, {}, ["Schwangere mit Suchtproblematik", "auch Substituierte"]


def _ziele(agreement, fields):
    rows = [{"text": "Kinder wachsen sicher auf", "indicators": "Jede Familie hat eine Hilfekonferenz\n\n  U-Hefte  "}]
    return rows, {}, ["Kinder wachsen sicher auf", "Indikator: Jede Familie hat eine Hilfekonferenz", "U-Hefte"]


def _basiskriterien(agreement, fields):
    return [{"text": "ein eigenes Bett für das Kind"}], {}, ["ein eigenes Bett für das Kind", "die Absicherung des"]


def _aufgaben(agreement, fields):
    youth, clinic = (p.institution for p in agreement.partners.all())
    rows = [
        {"institution": youth.pk, "role": "Fallführung", "tasks": "Hilfeplanung nach § 36 SGB VIII"},
        {"institution": clinic.pk, "role": "Geburtshilfe", "tasks": "Meldet Geburten mit Einwilligung"},
    ]
    return rows, {}, ["Jugendamt Teststadt – Fallführung", "Klinikum Teststadt – Geburtshilfe"]


def _kommunikation(agreement, fields):
    rows = [{"subject": "Geburt", "between": "Klinik und Jugendamt", "channel": "Telefon", "frequency": "bei Anlass"}]
    # Each cell names its column (the stacked cards on phones show it).
    return (
        rows,
        {},
        ['<td data-label="Zwischen wem">Klinik und Jugendamt</td>', '<td data-label="Wie oft">bei Anlass</td>'],
    )


def _datenschutz(agreement, fields):
    rows = [{"information": "Termine", "between": "alle", "basis": "gesetz", "legal_reference": "§ 8a SGB VIII"}]
    texts = {"principles": "Sozialgeheimnis", "not_shared": "Diagnosen", "target_group_info": "Über jeden Austausch"}
    return (
        rows,
        texts,
        ["gesetzliche Grundlage (§ 8a SGB VIII)", "Sozialgeheimnis", "Diagnosen", "Über jeden Austausch"],
    )


def _ablaufplaene(agreement, fields):
    rows = [
        {"arbeitsfeld": field.pk, "situation": f"Lage {field.name}", "recommendation": "Anrufen", "goal": "Kontakt"}
        for field in fields
    ]
    return (
        rows,
        {},
        [
            '<td data-label="Arbeitsfeld">Jugendhilfe</td>',
            '<td data-label="Ausgangssituation">Lage Medizinische Versorgung</td>',
        ],
    )


def _hilfekonferenz(agreement, fields):
    texts = {
        "occasion": "Geburt eines Kindes",
        "frequency": "vierteljährlich",
        "participants": "alle Fachkräfte und die Eltern",
        "protocol_distribution": "an alle Beteiligten",
    }
    return None, texts, list(texts.values())


def _laufzeit(agreement, fields):
    texts = {
        "valid_from": "2026-01-01",
        "duration_months": "24",
        "review_interval_months": "12",
        "notice_period_months": "3",
        "board_duties": "jährliche Überprüfung",
    }
    return (
        None,
        texts,
        ["01.01.2026", "24 Monate (bis 31.12.2027)", "alle 12 Monate", "3 Monate", "jährliche Überprüfung"],
    )


SECTION_INPUT = {
    "zielgruppen": _zielgruppen,
    "ziele": _ziele,
    "basiskriterien": _basiskriterien,
    "aufgaben": _aufgaben,
    "kommunikation": _kommunikation,
    "datenschutz": _datenschutz,
    "ablaufplaene": _ablaufplaene,
    "hilfekonferenz": _hilfekonferenz,
    "laufzeit": _laufzeit,
}


def test_every_section_has_an_input_case():
    assert list(SECTION_INPUT) == [section.key for section in SECTIONS]


@pytest.mark.parametrize("key", SECTION_INPUT)
def test_section_page_saves_and_the_agreement_page_shows_it(key, editor, agreement, fields):
    agreement.stand = date(2025, 3, 1)
    agreement.save(update_fields=["stand"])
    rows, texts, expected = SECTION_INPUT[key](agreement, fields)
    data = section_data(editor, agreement, key)
    if rows:
        add_rows(data, *rows)
    single(data, **texts)

    response = editor.post(section_url(agreement, key), data)

    assert response.status_code == 302, response.context and [
        response.context["formset"] and response.context["formset"].errors,
        response.context["single"] and response.context["single"].errors,
    ]
    assert response["Location"] == f"{agreement.get_absolute_url()}#abschnitt-{key}"
    detail = editor.get(response["Location"])
    content = detail.content.decode()
    assert "Der Abschnitt" in content
    assert "wurde gespeichert." in content
    for text in expected:
        assert text in content
    assert _state(detail, key).complete, _state(detail, key).missing
    agreement.refresh_from_db()
    assert agreement.stand != date(2025, 3, 1)  # the Stand moves with every change of the text


def test_saved_goal_keeps_its_indicators_one_per_line_and_edits_them(editor, agreement):
    data = add_rows(section_data(editor, agreement, "ziele"), {"text": "Ziel", "indicators": "eins\nzwei\ndrei"})
    editor.post(section_url(agreement, "ziele"), data)
    goal = Goal.objects.get(agreement=agreement)
    assert list(goal.indicators.values_list("text", "position")) == [("eins", 0), ("zwei", 1), ("drei", 2)]

    data = section_data(editor, agreement, "ziele")
    assert data["zeilen-0-indicators"] == "eins\nzwei\ndrei"
    data["zeilen-0-indicators"] = "eins\nvier"
    assert editor.post(section_url(agreement, "ziele"), data).status_code == 302
    assert list(goal.indicators.values_list("text", flat=True)) == ["eins", "vier"]


def test_save_and_continue_returns_to_the_section_page(editor, agreement):
    data = add_rows(section_data(editor, agreement, "zielgruppen"), {"name": "Eltern"})
    data["weiter"] = "1"
    response = editor.post(section_url(agreement, "zielgruppen"), data)
    assert response.status_code == 302
    assert response["Location"] == section_url(agreement, "zielgruppen")


def test_deleting_a_row(editor, agreement):
    TargetGroup.objects.create(agreement=agreement, name="Geht", position=0)
    TargetGroup.objects.create(agreement=agreement, name="Bleibt", position=1)
    data = section_data(editor, agreement, "zielgruppen")
    data["zeilen-0-DELETE"] = "on"
    assert editor.post(section_url(agreement, "zielgruppen"), data).status_code == 302
    assert list(TargetGroup.objects.filter(agreement=agreement).values_list("name", flat=True)) == ["Bleibt"]


def test_blank_row_is_ignored(editor, agreement):
    data = section_data(editor, agreement, "zielgruppen")
    assert data["zeilen-TOTAL_FORMS"] == 1
    assert editor.post(section_url(agreement, "zielgruppen"), data).status_code == 302
    assert not TargetGroup.objects.exists()


def test_blank_rows_numbered_by_the_move_buttons_are_still_ignored(editor, agreement):
    """The move buttons and the htmx row give every row a Position, blank ones too."""
    TargetGroup.objects.create(agreement=agreement, name="Eltern", position=0)
    data = section_data(editor, agreement, "zielgruppen")
    data.update({"zeilen-1-ORDER": "2", "zeilen-2-ORDER": "3", "zeilen-TOTAL_FORMS": 3})
    response = editor.post(section_url(agreement, "zielgruppen"), data)
    assert response.status_code == 302
    assert list(TargetGroup.objects.values_list("name", flat=True)) == ["Eltern"]


# --- ordered rows: Position values (typed, or set by the move buttons) -----------------------------


def test_rows_are_reordered_by_their_position_values(editor, agreement):
    for position, name in enumerate(["Anna", "Bert", "Cem"]):
        TargetGroup.objects.create(agreement=agreement, name=name, position=position)
    data = section_data(editor, agreement, "zielgruppen")
    assert [data[f"zeilen-{i}-ORDER"] for i in range(3)] == [1, 2, 3]
    data.update({"zeilen-0-ORDER": "3", "zeilen-1-ORDER": "1", "zeilen-2-ORDER": "2"})

    assert editor.post(section_url(agreement, "zielgruppen"), data).status_code == 302

    assert list(TargetGroup.objects.filter(agreement=agreement).values_list("name", flat=True)) == [
        "Bert",
        "Cem",
        "Anna",
    ]
    content = editor.get(agreement.get_absolute_url()).content.decode()
    assert (
        content.index("<strong>Bert</strong>") < content.index("<strong>Cem</strong>") < content.index("<strong>Anna")
    )
    page = editor.get(section_url(agreement, "zielgruppen")).content.decode()
    assert re.findall(r'name="zeilen-\d-name"[^>]*value="(\w+)"', page) == ["Bert", "Cem", "Anna"]


def test_a_new_row_goes_where_its_typed_position_says(editor, agreement):
    TargetGroup.objects.create(agreement=agreement, name="Erste", position=1)
    TargetGroup.objects.create(agreement=agreement, name="Dritte", position=2)
    data = section_data(editor, agreement, "zielgruppen")
    data.update({"zeilen-1-ORDER": "3"})
    add_rows(data, {"name": "Zweite", "ORDER": "2"})
    assert editor.post(section_url(agreement, "zielgruppen"), data).status_code == 302
    assert list(TargetGroup.objects.values_list("name", flat=True)) == ["Erste", "Zweite", "Dritte"]


def test_basiskriterien_are_ordered_and_editable(editor, agreement):
    data = section_data(editor, agreement, "basiskriterien")
    assert data["zeilen-INITIAL_FORMS"] == 6
    data["zeilen-0-ORDER"], data["zeilen-5-ORDER"] = "6", "1"
    data["zeilen-2-text"] = "die Gewährleistung von ärztlicher und zahnärztlicher Versorgung"
    assert editor.post(section_url(agreement, "basiskriterien"), data).status_code == 302
    texts = list(Criterion.objects.filter(agreement=agreement).values_list("text", flat=True))
    assert texts[0] == "ausreichende pädagogische Förderung und emotionale Zuwendung"
    assert texts[-1] == "eine Wohnung mit Wasser, Strom und Heizung, ohne extreme Verschmutzung"
    assert "die Gewährleistung von ärztlicher und zahnärztlicher Versorgung" in texts


def test_section_page_works_without_javascript(editor, agreement):
    TargetGroup.objects.create(agreement=agreement, name="Eltern")
    content = editor.get(section_url(agreement, "zielgruppen")).content.decode()
    # A blank row to fill in, typed Position fields, and the delete box: no script needed.
    assert 'name="zeilen-1-name"' in content
    assert 'name="zeilen-0-ORDER" value="1"' in content
    assert 'name="zeilen-0-DELETE"' in content
    row_url = reverse("agreement_section_row", args=[agreement.pk, "zielgruppen"])
    assert f'data-hx-get="{row_url}" data-hx-include="#id_zeilen-TOTAL_FORMS"' in content
    assert "Weitere Zeile" in content


# --- the htmx row endpoint ------------------------------------------------------------------------


def test_row_endpoint_returns_the_next_row_and_an_out_of_band_total(editor, agreement):
    url = reverse("agreement_section_row", args=[agreement.pk, "zielgruppen"])
    response = editor.get(url, {"zeilen-TOTAL_FORMS": "3"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="zeilen-3-name"' in content
    assert 'name="zeilen-3-ORDER" value="4"' in content
    assert "zeilen-2-" not in content
    assert "<html" not in content
    assert (
        '<input type="hidden" name="zeilen-TOTAL_FORMS" value="4" id="id_zeilen-TOTAL_FORMS" data-hx-swap-oob="true">'
        in content
    )


def test_row_endpoint_offers_only_the_agreements_partners(editor, agreement, other_institution):
    url = reverse("agreement_section_row", args=[agreement.pk, "aufgaben"])
    content = editor.get(url, {"zeilen-TOTAL_FORMS": "0"}, headers=HX).content.decode()
    assert 'name="zeilen-0-institution"' in content
    assert "Jugendamt Teststadt" in content
    assert "Klinikum Teststadt" in content
    assert other_institution.name not in content


@pytest.mark.parametrize("total", ["", "abc", "-5"])
def test_row_endpoint_survives_a_missing_or_bad_total(editor, agreement, total):
    TargetGroup.objects.create(agreement=agreement, name="Eltern")
    url = reverse("agreement_section_row", args=[agreement.pk, "zielgruppen"])
    response = editor.get(url, {"zeilen-TOTAL_FORMS": total}, headers=HX)
    assert response.status_code == 200
    assert re.search(r'name="zeilen-\d+-name"', response.content.decode())


def test_row_endpoint_sends_a_plain_visit_to_the_whole_form(editor, agreement):
    response = editor.get(reverse("agreement_section_row", args=[agreement.pk, "zielgruppen"]))
    assert response.status_code == 302
    assert response["Location"] == section_url(agreement, "zielgruppen")


@pytest.mark.parametrize("key", ["hilfekonferenz", "laufzeit", "gibt-es-nicht"])
def test_row_endpoint_is_404_for_sections_without_rows(editor, agreement, key):
    assert editor.get(reverse("agreement_section_row", args=[agreement.pk, key])).status_code == 404


def test_unknown_section_is_404(editor, agreement):
    assert editor.get(section_url(agreement, "gibt-es-nicht")).status_code == 404


def test_row_added_by_htmx_is_saved_with_the_form(editor, agreement):
    data = section_data(editor, agreement, "zielgruppen")
    row = editor.get(
        reverse("agreement_section_row", args=[agreement.pk, "zielgruppen"]), {"zeilen-TOTAL_FORMS": "1"}, headers=HX
    )
    assert 'name="zeilen-1-name"' in row.content.decode()
    data.update(
        {"zeilen-TOTAL_FORMS": "2", "zeilen-0-name": "Eltern", "zeilen-1-name": "Kinder", "zeilen-1-ORDER": "2"}
    )
    assert editor.post(section_url(agreement, "zielgruppen"), data).status_code == 302
    assert list(TargetGroup.objects.values_list("name", flat=True)) == ["Eltern", "Kinder"]


# --- completeness: "N von 9 Abschnitten vollständig" and its reasons -----------------------------


def test_new_agreement_has_only_the_copied_basiskriterien_complete(editor, agreement):
    response = editor.get(agreement.get_absolute_url())
    assert "1 von 9 Abschnitten vollständig" in response.content.decode()
    assert [state.section.key for state in response.context["states"] if state.complete] == ["basiskriterien"]
    content = response.content.decode()
    assert "Es ist noch keine Zielgruppe beschrieben." in content
    assert "Bei der Hilfekonferenz fehlt noch der Anlass." in content
    assert "Es fehlt das Datum, ab dem die Vereinbarung gilt." in content


def test_fully_written_agreement_is_nine_of_nine(editor, agreement, fields):
    fill_sections(agreement)
    response = editor.get(agreement.get_absolute_url())
    content = response.content.decode()
    assert "9 von 9 Abschnitten vollständig" in content
    assert 'aria-valuenow="9"' in content
    assert "progress-bar bg-success progress-w-20" in content  # 100 %, as a class (the CSP forbids inline styles)
    assert "missing-list" not in content


def test_goal_without_indicator_is_incomplete(editor, agreement):
    fill_sections(agreement)
    Goal.objects.create(agreement=agreement, text="Ziel ohne Maßstab", position=9)
    response = editor.get(agreement.get_absolute_url())
    assert _state(response, "ziele").missing == ["Dem Ziel „Ziel ohne Maßstab“ fehlt noch ein messbarer Indikator."]
    assert "8 von 9 Abschnitten vollständig" in response.content.decode()
    assert "Dem Ziel „Ziel ohne Maßstab“ fehlt noch ein messbarer Indikator." in response.content.decode()


def test_new_partner_needs_aufgaben_and_its_arbeitsfeld_an_ablaufplan(editor, agreement, fields):
    fill_sections(agreement)
    school = InstitutionFactory(name="Grundschule Am Park", arbeitsfeld=ArbeitsfeldFactory(name="Schule"))
    set_partners(agreement, [*(p.institution for p in agreement.partners.all()), school], agreement.version)

    response = editor.get(agreement.get_absolute_url())

    assert _state(response, "aufgaben").missing == [
        "Für „Grundschule Am Park“ sind noch keine Aufgaben und Rollen festgelegt."
    ]
    assert _state(response, "ablaufplaene").missing == ["Für das Arbeitsfeld Schule fehlt noch ein Ablaufplan."]
    assert "7 von 9 Abschnitten vollständig" in response.content.decode()


def test_partner_without_aufgaben_is_named(editor, agreement):
    Responsibility.objects.create(
        agreement=agreement, institution=agreement.coordinating_institution, role="Fallführung", tasks="x"
    )
    response = editor.get(agreement.get_absolute_url())
    assert _state(response, "aufgaben").missing == [
        "Für „Klinikum Teststadt“ sind noch keine Aufgaben und Rollen festgelegt."
    ]


def test_two_partners_in_one_arbeitsfeld_need_one_ablaufplan(editor, agreement, institution, partner_institution):
    partner_institution.arbeitsfeld = institution.arbeitsfeld
    partner_institution.save()
    FlowPlan.objects.create(
        agreement=agreement, arbeitsfeld=institution.arbeitsfeld, situation="a", recommendation="b", goal="c"
    )
    assert _state(editor.get(agreement.get_absolute_url()), "ablaufplaene").complete


def test_agreement_without_basiskriterien_is_incomplete(editor, coordinator, institution, partner_institution):
    CatalogueEntry.objects.filter(kind=CatalogueKind.BASISKRITERIUM).update(is_active=False)
    agreement = create_agreement(
        coordinator,
        title="Ohne Kriterien",
        preamble="",
        coordinating_institution=institution,
        institutions=[partner_institution],
    )
    response = editor.get(agreement.get_absolute_url())
    assert _state(response, "basiskriterien").missing == ["Es ist noch kein Basiskriterium vereinbart."]
    assert "0 von 9 Abschnitten vollständig" in response.content.decode()


def test_data_protection_and_term_name_what_is_missing(editor, agreement):
    DataSharingRule.objects.create(agreement=agreement, information="Termine", between="alle")
    DataProtection.objects.filter(agreement=agreement).update(not_shared="Diagnosen")
    Term.objects.filter(agreement=agreement).update(valid_from=date(2026, 1, 1), valid_until=date(2027, 1, 1))
    response = editor.get(agreement.get_absolute_url())
    assert _state(response, "datenschutz").missing == ["Es fehlt, worüber die Zielgruppe informiert wird."]
    assert _state(response, "laufzeit").missing == [
        "Es fehlt, in welchem Abstand die Vereinbarung überprüft wird.",
        "Es fehlen die fortlaufenden Aufgaben des Kooperationsgremiums.",
    ]


def test_missing_participants_read_as_correct_german(editor, agreement):
    ConferenceRules.objects.filter(agreement=agreement).update(
        occasion="Geburt", frequency="bei Bedarf", protocol_distribution="an alle", participants=""
    )
    assert _state(editor.get(agreement.get_absolute_url()), "hilfekonferenz").missing == [
        "Bei der Hilfekonferenz fehlen noch die Teilnehmenden."
    ]


def test_conference_rules_need_all_four_answers(editor, agreement):
    ConferenceRules.objects.filter(agreement=agreement).update(occasion="Geburt", participants="alle")
    assert _state(editor.get(agreement.get_absolute_url()), "hilfekonferenz").missing == [
        "Bei der Hilfekonferenz fehlt noch die Häufigkeit.",
        "Bei der Hilfekonferenz fehlt noch die Verteilung des Ergebnisprotokolls.",
    ]


# --- bad input: German field messages, nothing saved, never a server error --------------------------


def _post_single(client, agreement, key, **fields):
    data = single(section_data(client, agreement, key), **fields)
    return client.post(section_url(agreement, key), data)


def _single_errors(response) -> dict:
    assert response.status_code == 200
    return dict(response.context["single"].errors)


def test_term_with_duration_and_end_date_is_refused(editor, agreement):
    response = _post_single(
        editor, agreement, "laufzeit", valid_from="2026-01-01", duration_months="12", valid_until="2027-06-30"
    )
    assert _single_errors(response) == {
        "valid_until": ["Bitte entweder eine Laufzeit in Monaten oder ein Enddatum angeben, nicht beides."]
    }
    assert "nicht beides" in response.content.decode()
    assert Term.objects.get(agreement=agreement).valid_from is None


def test_term_ending_before_it_starts_is_refused(editor, agreement):
    response = _post_single(editor, agreement, "laufzeit", valid_from="2026-06-01", valid_until="2026-05-31")
    assert _single_errors(response) == {"valid_until": ["Das Enddatum muss nach dem Beginn liegen."]}
    assert "Das Enddatum muss nach dem Beginn liegen." in response.content.decode()


def test_term_end_without_start_is_refused(editor, agreement):
    response = _post_single(editor, agreement, "laufzeit", duration_months="12")
    assert _single_errors(response) == {"valid_from": ["Bitte angeben, ab wann die Vereinbarung gilt."]}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("valid_from", "31.02.2026", "Bitte ein gültiges Datum eingeben."),
        ("duration_months", "0", "Dieser Wert muss größer oder gleich 1 sein."),
        ("review_interval_months", "0", "Dieser Wert muss größer oder gleich 1 sein."),
        ("duration_months", "zwölf", "Bitte eine ganze Zahl eingeben."),
        ("notice_period_months", "-1", "Dieser Wert muss größer oder gleich 0 sein."),
    ],
)
def test_bad_term_values_get_german_field_messages(editor, agreement, field, value, message):
    response = _post_single(editor, agreement, "laufzeit", **{"valid_from": "2026-01-01", field: value})
    assert _single_errors(response)[field] == [message]
    assert message in response.content.decode()
    term = Term.objects.get(agreement=agreement)
    assert (term.valid_from, term.duration_months, term.review_interval_months) == (None, None, None)


def _row_errors(response, index: int = 0) -> dict:
    assert response.status_code == 200
    return dict(response.context["formset"].forms[index].errors)


def test_data_sharing_by_law_needs_the_legal_reference(editor, agreement):
    data = add_rows(
        section_data(editor, agreement, "datenschutz"),
        {"information": "Gefährdung", "between": "alle", "basis": "gesetz"},
    )
    response = editor.post(section_url(agreement, "datenschutz"), data)
    assert _row_errors(response) == {
        "legal_reference": ["Bei einer gesetzlichen Grundlage bitte die Fundstelle angeben."]
    }
    assert "Bei einer gesetzlichen Grundlage bitte die Fundstelle angeben." in response.content.decode()
    assert not DataSharingRule.objects.exists()


def test_data_sharing_with_consent_needs_no_legal_reference(editor, agreement):
    data = add_rows(
        section_data(editor, agreement, "datenschutz"),
        {"information": "Termine", "between": "alle", "basis": "einwilligung"},
    )
    assert editor.post(section_url(agreement, "datenschutz"), data).status_code == 302
    assert DataSharingRule.objects.get().get_basis_display() == "Einwilligung / Schweigepflichtentbindung"


def test_data_sharing_with_an_unknown_basis_gets_a_field_message(editor, agreement):
    data = add_rows(
        section_data(editor, agreement, "datenschutz"), {"information": "Termine", "between": "alle", "basis": "gefühl"}
    )
    response = editor.post(section_url(agreement, "datenschutz"), data)
    assert _row_errors(response)["basis"] == ["Bitte eine gültige Auswahl treffen. gefühl ist keine gültige Auswahl."]


@pytest.mark.parametrize("indicators", ["", "   \n  \n"])
def test_goal_without_indicator_is_refused(editor, agreement, indicators):
    data = add_rows(
        section_data(editor, agreement, "ziele"), {"text": "Kinder wachsen sicher auf", "indicators": indicators}
    )
    response = editor.post(section_url(agreement, "ziele"), data)
    assert _row_errors(response) == {"indicators": ["Bitte mindestens einen messbaren Indikator angeben."]}
    assert "Bitte mindestens einen messbaren Indikator angeben." in response.content.decode()
    assert not Goal.objects.exists()


def test_too_long_indicator_is_refused(editor, agreement):
    data = add_rows(section_data(editor, agreement, "ziele"), {"text": "Ziel", "indicators": "x" * 501})
    response = editor.post(section_url(agreement, "ziele"), data)
    assert _row_errors(response) == {"indicators": ["Ein Indikator darf höchstens 500 Zeichen lang sein."]}


def test_responsibility_of_a_non_partner_is_refused(editor, agreement, other_institution):
    data = add_rows(
        section_data(editor, agreement, "aufgaben"),
        {"institution": other_institution.pk, "role": "Beratung", "tasks": "berät"},
    )
    response = editor.post(section_url(agreement, "aufgaben"), data)
    assert _row_errors(response) == {"institution": ["Bitte eine Partnerinstitution dieser Vereinbarung wählen."]}
    assert "Bitte eine Partnerinstitution dieser Vereinbarung wählen." in response.content.decode()
    assert not Responsibility.objects.exists()


def test_flow_plan_for_a_field_without_partner_is_refused(editor, agreement, fields):
    school = ArbeitsfeldFactory(name="Schule")
    data = add_rows(
        section_data(editor, agreement, "ablaufplaene"),
        {"arbeitsfeld": school.pk, "situation": "a", "recommendation": "b", "goal": "c"},
    )
    response = editor.post(section_url(agreement, "ablaufplaene"), data)
    assert _row_errors(response) == {"arbeitsfeld": ["Bitte ein Arbeitsfeld der Partnerinstitutionen wählen."]}
    assert not FlowPlan.objects.exists()


@pytest.mark.parametrize(
    ("key", "row", "field"),
    [
        ("zielgruppen", {"description": "ohne Namen"}, "name"),
        ("ziele", {"indicators": "Indikator ohne Ziel"}, "text"),
        ("kommunikation", {"subject": "Geburt", "between": "alle", "channel": "Telefon"}, "frequency"),
        ("aufgaben", {"role": "Fallführung", "tasks": "alles"}, "institution"),
    ],
)
def test_missing_required_row_field_gets_a_german_message(editor, agreement, key, row, field):
    data = add_rows(section_data(editor, agreement, key), row)
    response = editor.post(section_url(agreement, key), data)
    assert _row_errors(response)[field] == [REQUIRED]
    assert REQUIRED in response.content.decode()


def test_one_bad_row_saves_no_row(editor, agreement):
    data = add_rows(section_data(editor, agreement, "zielgruppen"), {"name": "Eltern"}, {"description": "ohne Namen"})
    response = editor.post(section_url(agreement, "zielgruppen"), data)
    assert response.status_code == 200
    assert not TargetGroup.objects.exists()


def test_tampered_section_post_is_not_a_server_error(editor, agreement):
    response = editor.post(section_url(agreement, "datenschutz"), {"nonsense": "1"})
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()


# --- nothing lost: two people editing the same section at once --------------------------------------


@pytest.fixture
def second_coordinator(partner_institution):
    """Koordination of the other partner institution: a second person allowed to edit."""
    return MembershipFactory(institution=partner_institution, role=Role.KOORDINATION, user=UserFactory()).user


def test_stale_single_form_gets_a_conflict_and_keeps_the_input(coordinator, second_coordinator, agreement):
    first, second = two_editors(coordinator, second_coordinator)
    first_data = section_data(first, agreement, "hilfekonferenz")
    second_data = section_data(second, agreement, "hilfekonferenz")
    url = section_url(agreement, "hilfekonferenz")
    assert first.post(url, single(first_data, occasion="Geburt", frequency="monatlich")).status_code == 302

    response = second.post(url, single(second_data, occasion="Schwangerschaft", participants="die Eltern"))

    assert response.status_code == 200
    content = response.content.decode()
    assert CONFLICT in content
    changes = [(c.label, c.saved, c.yours) for c in response.context["single"].conflict_changes]
    assert changes == [
        ("Anlass", "Geburt", "Schwangerschaft"),
        ("Häufigkeit", "monatlich", "–"),
        ("Teilnehmende", "–", "die Eltern"),
    ]
    assert '<td class="conflict-saved">Geburt</td>' in content
    assert '<td class="conflict-yours">Schwangerschaft</td>' in content
    assert ">\nSchwangerschaft</textarea>" in content  # the second person's input is still in the form
    rules = ConferenceRules.objects.get(agreement=agreement)
    assert (rules.occasion, rules.frequency, rules.participants) == ("Geburt", "monatlich", "")


def test_saving_again_after_a_conflict_takes_over_your_version(coordinator, second_coordinator, agreement):
    first, second = two_editors(coordinator, second_coordinator)
    first_data = section_data(first, agreement, "laufzeit")
    second_data = section_data(second, agreement, "laufzeit")
    url = section_url(agreement, "laufzeit")
    first.post(url, single(first_data, board_duties="vom ersten"))
    conflict = second.post(url, single(second_data, board_duties="vom zweiten"))
    assert CONFLICT in conflict.content.decode()

    again = section_data(second, agreement, "laufzeit")  # a fresh load would lose the input, so resubmit:
    resubmit = {
        **second_data,
        **{k: v for k, v in conflict.context["single"].data.items() if k.startswith("abschnitt")},
    }
    assert resubmit["abschnitt-version"] == str(again["abschnitt-version"])
    assert second.post(url, resubmit).status_code == 302
    assert Term.objects.get(agreement=agreement).board_duties == "vom zweiten"


def test_stale_row_gets_a_conflict_and_nothing_is_overwritten(coordinator, second_coordinator, agreement):
    TargetGroup.objects.create(agreement=agreement, name="Eltern", description="alt")
    first, second = two_editors(coordinator, second_coordinator)
    first_data = section_data(first, agreement, "zielgruppen")
    second_data = section_data(second, agreement, "zielgruppen")
    url = section_url(agreement, "zielgruppen")
    assert first.post(url, {**first_data, "zeilen-0-description": "vom ersten"}).status_code == 302

    response = second.post(url, {**second_data, "zeilen-0-description": "vom zweiten"})

    assert response.status_code == 200
    content = response.content.decode()
    assert CONFLICT in content
    row = response.context["formset"].forms[0]
    assert [(c.label, c.saved, c.yours) for c in row.conflict_changes] == [
        ("Beschreibung", "vom ersten", "vom zweiten")
    ]
    assert ">\nvom zweiten</textarea>" in content
    group = TargetGroup.objects.get()
    assert (group.description, group.version) == ("vom ersten", 2)


def test_conflict_in_row_two_leaves_row_one_and_new_rows_unsaved(coordinator, second_coordinator, agreement):
    first_group = TargetGroup.objects.create(agreement=agreement, name="Eltern", position=0)
    TargetGroup.objects.create(agreement=agreement, name="Kinder", position=1)
    first, second = two_editors(coordinator, second_coordinator)
    first_data = section_data(first, agreement, "zielgruppen")
    second_data = section_data(second, agreement, "zielgruppen")
    url = section_url(agreement, "zielgruppen")
    first.post(url, {**first_data, "zeilen-1-name": "Kinder (vom ersten)"})

    second_data.update({"zeilen-0-name": "Eltern (vom zweiten)", "zeilen-1-name": "Kinder (vom zweiten)"})
    add_rows(second_data, {"name": "Neu vom zweiten"})
    second_data["zeilen-INITIAL_FORMS"] = 2
    response = second.post(url, second_data)

    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    assert not response.context["formset"].forms[0].conflict_changes
    assert response.context["formset"].forms[1].conflict_changes
    first_group.refresh_from_db()
    assert (first_group.name, first_group.version) == ("Eltern", 1)
    assert list(TargetGroup.objects.values_list("name", flat=True)) == ["Eltern", "Kinder (vom ersten)"]


def test_conflict_in_a_row_also_keeps_the_single_form_of_the_section_unsaved(
    coordinator, second_coordinator, agreement
):
    DataSharingRule.objects.create(agreement=agreement, information="Termine", between="alle")
    first, second = two_editors(coordinator, second_coordinator)
    first_data = section_data(first, agreement, "datenschutz")
    second_data = section_data(second, agreement, "datenschutz")
    url = section_url(agreement, "datenschutz")
    first.post(url, {**first_data, "zeilen-0-between": "Klinik und Jugendamt"})

    response = second.post(url, single({**second_data, "zeilen-0-between": "alle drei"}, not_shared="Diagnosen"))

    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    assert DataProtection.objects.get(agreement=agreement).not_shared == ""
    assert DataSharingRule.objects.get().between == "Klinik und Jugendamt"


def test_stale_goal_keeps_its_indicators(coordinator, second_coordinator, agreement):
    goal = Goal.objects.create(agreement=agreement, text="Ziel")
    Indicator.objects.create(goal=goal, text="alt")
    first, second = two_editors(coordinator, second_coordinator)
    first_data = section_data(first, agreement, "ziele")
    second_data = section_data(second, agreement, "ziele")
    url = section_url(agreement, "ziele")
    first.post(url, {**first_data, "zeilen-0-text": "Ziel (vom ersten)"})

    response = second.post(url, {**second_data, "zeilen-0-indicators": "neu vom zweiten"})

    assert CONFLICT in response.content.decode()
    assert list(goal.indicators.values_list("text", flat=True)) == ["alt"]


def test_deleting_a_row_changed_meanwhile_is_a_conflict(coordinator, second_coordinator, agreement):
    TargetGroup.objects.create(agreement=agreement, name="Eltern")
    first, second = two_editors(coordinator, second_coordinator)
    first_data = section_data(first, agreement, "zielgruppen")
    second_data = section_data(second, agreement, "zielgruppen")
    url = section_url(agreement, "zielgruppen")
    first.post(url, {**first_data, "zeilen-0-description": "wichtig"})

    response = second.post(url, {**second_data, "zeilen-0-DELETE": "on"})

    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    assert TargetGroup.objects.get().description == "wichtig"


def test_row_deleted_meanwhile_is_reported(coordinator, second_coordinator, agreement):
    TargetGroup.objects.create(agreement=agreement, name="Eltern")
    first, second = two_editors(coordinator, second_coordinator)
    first_data = section_data(first, agreement, "zielgruppen")
    second_data = section_data(second, agreement, "zielgruppen")
    url = section_url(agreement, "zielgruppen")
    first.post(url, {**first_data, "zeilen-0-DELETE": "on"})

    response = second.post(url, {**second_data, "zeilen-0-name": "Eltern (geändert)"})

    assert response.status_code == 200
    assert DELETED_MEANWHILE in response.content.decode()
    assert not TargetGroup.objects.exists()


# --- access -----------------------------------------------------------------------------------------


def test_member_may_not_edit_a_section_and_is_told_why(client_for, member, agreement):
    response = client_for(member).get(section_url(agreement, "zielgruppen"))
    assert response.status_code == 403
    assert "Die Vereinbarung bearbeitet nur die Koordination einer Partnerinstitution." in response.content.decode()


def test_member_post_changes_nothing(client_for, member, agreement):
    data = {"zeilen-TOTAL_FORMS": "1", "zeilen-INITIAL_FORMS": "0", "zeilen-0-name": "Eingeschmuggelt"}
    assert client_for(member).post(section_url(agreement, "zielgruppen"), data).status_code == 403
    assert not TargetGroup.objects.exists()


def test_outsider_gets_404_for_sections_and_rows(client_for, outsider, agreement):
    client = client_for(outsider)
    assert client.get(section_url(agreement, "zielgruppen")).status_code == 404
    assert client.get(reverse("agreement_section_row", args=[agreement.pk, "zielgruppen"])).status_code == 404


def test_coordination_of_any_partner_may_edit(client_for, second_coordinator, agreement):
    client = client_for(second_coordinator)
    data = add_rows(section_data(client, agreement, "zielgruppen"), {"name": "Eltern"})
    assert client.post(section_url(agreement, "zielgruppen"), data).status_code == 302


# --- speed: the section page costs the same however many rows it has -------------------------------

SECTION_QUERIES = {  # +1: the open comments beside the form
    "zielgruppen": 11,
    "ziele": 12,
    "basiskriterien": 11,
    "aufgaben": 12,
    "kommunikation": 11,
    "datenschutz": 12,
    "ablaufplaene": 12,
    "hilfekonferenz": 11,
    "laufzeit": 11,
}


@pytest.mark.parametrize("rows", [3, 20])
@pytest.mark.parametrize("key", SECTION_QUERIES)
def test_section_page_query_count_does_not_grow(key, rows, editor, agreement, fields, django_assert_num_queries):
    fill_sections(agreement, rows)
    url = section_url(agreement, key)
    with django_assert_num_queries(SECTION_QUERIES[key]):
        response = editor.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("key", [section.key for section in SECTIONS])
def test_section_form_keeps_its_save_buttons_in_a_sticky_bar(key, editor, agreement):
    """Long section forms: Speichern stays in reach at the bottom of the window (.action-bar-sticky)."""
    page = editor.get(section_url(agreement, key)).content.decode()
    bar = page[page.index('class="action-bar-sticky') :]
    bar = bar[: bar.index("</form>")]  # inside the section form, at its end
    assert 'type="submit"' in bar
    assert 'name="weiter"' in bar
