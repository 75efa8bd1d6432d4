"""Journey through the network directory in a real browser, with an axe-core check on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kooperation.network import twofactor
from tests.factories import PASSWORD, ArbeitsfeldFactory, ContactFactory, InstitutionFactory, OfferFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def network(institution, other_institution):
    """Two institutions in different Arbeitsfelder, with a contact and an offer each."""
    youth = ArbeitsfeldFactory(name="Jugendhilfe")
    drugs = ArbeitsfeldFactory(name="Drogenhilfe")
    institution.arbeitsfeld = youth
    institution.save()
    other_institution.arbeitsfeld = drugs
    other_institution.save()
    ContactFactory(institution=institution, name="Karin Kinderschutz", responsibility="Kinderschutz")
    OfferFactory(institution=institution, title="Erziehungsberatung")
    OfferFactory(institution=other_institution, title="Substitution")
    InstitutionFactory(name="Frühe Hilfen Nord", arbeitsfeld=ArbeitsfeldFactory(name="Frühe Hilfen"))
    return {"youth": youth, "drugs": drugs}


def test_administration_finds_and_edits_an_institution(page, login, check_axe, admin_user, network, institution):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/konto/anmelden/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    check_axe(page)

    page.get_by_label("E-Mail-Adresse").fill(admin_user.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    # Administration must use a second factor: set up right after the password.
    expect(page.get_by_role("heading", level=1)).to_have_text("Zwei-Faktor-Anmeldung einrichten")
    expect(page.locator("svg.qr-code")).to_be_visible()
    check_axe(page)
    page.get_by_label("Erster Code aus der App").fill(twofactor.current_code(twofactor.pending_app_device(admin_user)))
    page.get_by_role("button", name="Bestätigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Sicherungscodes")
    check_axe(page)
    page.get_by_role("link", name="Codes notiert – weiter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Guten Tag, Ada")
    check_axe(page)

    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    page.goto("/verwaltung/sicherheit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sicherheitsprotokoll")
    expect(page.get_by_role("cell", name="Zweiter Faktor eingerichtet")).to_be_visible()
    check_axe(page)

    navigation.get_by_role("link", name="Netzwerk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Netzwerk")
    expect(page.get_by_text("3 Institutionen gefunden")).to_be_visible()
    check_axe(page)

    page.get_by_label("Arbeitsfeld").select_option(label="Jugendhilfe")
    page.get_by_role("button", name="Filtern").click()
    expect(page).to_have_url(re.compile(rf"arbeitsfeld={network['youth'].pk}"))
    expect(page.get_by_text("1 Institution gefunden")).to_be_visible()
    results = page.get_by_role("table", name="Institutionen im Netzwerk")
    expect(results.get_by_role("link", name="Drogenberatung Anderswo")).to_have_count(0)
    check_axe(page)

    results.get_by_role("link", name="Jugendamt Teststadt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jugendamt Teststadt")
    expect(page.get_by_text("Karin Kinderschutz")).to_be_visible()
    check_axe(page)

    page.get_by_role("link", name="Stammdaten bearbeiten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("„Jugendamt Teststadt“ bearbeiten")
    check_axe(page)

    phone = page.get_by_label("Telefon")
    phone.fill("ruf mich an")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Bitte eine Telefonnummer nur mit Ziffern")).to_be_visible()
    expect(phone).to_have_attribute("aria-invalid", "true")
    check_axe(page)

    phone.fill("0351 123 456")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_contain_text("Die Änderungen wurden gespeichert.")
    expect(page.get_by_role("link", name="0351 123 456")).to_be_visible()
    check_axe(page)
    institution.refresh_from_db()
    assert institution.phone == "0351 123 456"

    navigation.get_by_role("button", name="Verwaltung").click()
    expect(navigation.get_by_role("link", name="Benutzerkonten")).to_be_visible()
    check_axe(page)
    navigation.get_by_role("link", name="Benutzerkonten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Benutzerkonten")
    check_axe(page)

    page.get_by_role("table", name="Benutzerkonten").get_by_role("link", name=admin_user.get_full_name()).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(admin_user.get_full_name())
    check_axe(page)


def test_koordination_edits_its_own_contacts(page, login, check_axe, coordinator, network, institution):
    login(page, coordinator)
    page.get_by_role("link", name="Jugendamt Teststadt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jugendamt Teststadt")
    expect(page.get_by_role("link", name="Stammdaten bearbeiten")).to_have_count(0)

    page.get_by_role("link", name="Ansprechpartner/innen bearbeiten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ansprechpartner/innen")
    check_axe(page)

    new_entry = page.get_by_role("group", name="Neuer Eintrag")
    new_entry.get_by_label("Name").fill("Nils Neumann")
    new_entry.get_by_label("Telefon").fill("0351 98765")
    page.get_by_role("button", name="Speichern").click()
    responsibility = page.get_by_role("group", name="Neuer Eintrag").get_by_label("Zuständigkeit")
    expect(responsibility).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Dieses Feld ist zwingend erforderlich.")).to_be_visible()
    check_axe(page)

    responsibility.fill("Hilfen zur Erziehung")
    page.get_by_role("button", name="Speichern").click()

    expect(page.get_by_role("status")).to_contain_text("Die Änderungen wurden gespeichert.")
    contacts = page.get_by_role("region", name="Ansprechpartner/innen")
    expect(contacts.get_by_role("cell", name="Nils Neumann")).to_be_visible()
    expect(contacts.get_by_role("cell", name="Karin Kinderschutz")).to_be_visible()
    assert institution.contacts.filter(name="Nils Neumann", responsibility="Hilfen zur Erziehung").exists()


def test_koordination_cannot_edit_other_institutions_contacts(page, login, coordinator, network, other_institution):
    login(page, coordinator)
    page.goto(other_institution.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Drogenberatung Anderswo")
    expect(page.get_by_role("link", name="Ansprechpartner/innen bearbeiten")).to_have_count(0)


def test_navigation_toggler_opens_the_menu_on_a_phone(new_page, login, check_axe, member, network):
    page = new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    login(page, member)
    toggler = page.get_by_role("button", name="Menü öffnen")
    network_link = page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Netzwerk")
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(network_link).to_be_hidden()
    check_axe(page)

    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#hauptmenue")).to_have_class(re.compile(r"\bshow\b"))
    expect(network_link).to_be_visible()
    check_axe(page)

    network_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Netzwerk")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    check_axe(page)


def test_skip_link_takes_keyboard_users_to_the_content(page, login, member, network):
    login(page, member)
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


def test_leitung_signs_in_with_the_code_from_the_app(page, check_axe, leader_user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own delay after a wrong code is not under test here
    twofactor.enrol_with_secret(leader_user, "KOOPERATIONBROWSERTESTSECRET2345")
    page.goto("/konto/anmelden/")
    page.get_by_label("E-Mail-Adresse").fill(leader_user.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Code eingeben")
    check_axe(page)
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_text("Der Code ist nicht richtig")).to_be_visible()
    check_axe(page)
    page.get_by_label("Code").fill(twofactor.current_code(twofactor.app_device(leader_user)))
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Guten Tag")
    page.goto("/konto/zwei-faktor/")
    expect(page.get_by_text("eingerichtet", exact=True)).to_be_visible()
    check_axe(page)
