"""Import and export of institutions and staff: preview with German row errors, confirm writes all at once."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kooperation.network.exchange import tables
from kooperation.network.exchange.apply import apply_import
from kooperation.network.models import Contact, Institution, Leader, Membership, Offer, Role, SecurityEvent, User

pytestmark = pytest.mark.django_db

HEADER = ";".join(c.header for c in tables.INSTITUTION_COLUMNS)


def institution_line(name: str, arbeitsfeld: str = "Jugendhilfe", postal_code: str = "12345") -> str:
    return (
        f"{name};{name[:10]};{arbeitsfeld};Weg 1;{postal_code};Teststadt;+49 30 1234;info@example.org;"
        f'beispiel.example;Kurz;Eva Kontakt;Aufnahme;030 999;eva@example.org;"Beratung; Gruppe";Dr. Leit;Vorstand'
    )


def csv_file(lines: list[str], header: str = HEADER, name: str = "netz.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([header, *lines]) + "\n").encode("utf-8"), content_type="text/csv")


def upload(client, kind: str, file):
    return client.post(reverse("import_upload", args=[kind]), {"file": file})


def test_preview_lists_german_errors_per_row_and_writes_nothing(client_for, admin_user):
    client = client_for(admin_user)
    lines = [institution_line(f"Träger {n}") for n in range(5)]
    lines[1] = institution_line("Träger 1", arbeitsfeld="Raumfahrt")
    lines[3] = institution_line("Träger 3", postal_code="123")
    lines.append(institution_line("Träger 0"))
    response = upload(client, "institutionen", csv_file(lines))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Unbekanntes Arbeitsfeld „Raumfahrt“" in page
    assert "Die Postleitzahl „123“ hat nicht fünf Ziffern." in page
    assert "„Träger 0“ steht schon in Zeile 2." in page
    assert "3 Zeilen haben Fehler" in page
    assert "Import bestätigen" not in page
    assert not Institution.objects.filter(name__startswith="Träger").exists()
    assert client.post(reverse("import_confirm", args=["institutionen"])).status_code == 302
    assert not Institution.objects.filter(name__startswith="Träger").exists()


def test_confirm_creates_institutions_with_contacts_offers_and_leitung(client_for, admin_user, institution):
    client = client_for(admin_user)
    lines = [institution_line(f"Träger {n}") for n in range(3)] + [institution_line(institution.name)]
    upload(client, "institutionen", csv_file(lines))
    page = client.get(reverse("import_preview", args=["institutionen"])).content.decode()
    assert "3 neu, 1 werden aktualisiert" in page
    response = client.post(reverse("import_confirm", args=["institutionen"]))
    assert response.status_code == 302
    created = Institution.objects.get(name="Träger 2")
    assert created.arbeitsfeld.name == "Jugendhilfe"
    assert created.website == "https://beispiel.example"
    assert created.phone == "+49 30 1234"
    assert list(Offer.objects.filter(institution=created).values_list("title", flat=True)) == ["Beratung", "Gruppe"]
    assert Contact.objects.get(institution=created).responsibility == "Aufnahme"
    assert Leader.objects.get(institution=created).function == "Vorstand"
    institution.refresh_from_db()
    assert institution.postal_code == "12345"
    assert institution.version == 2


def test_upload_without_required_columns_is_refused_at_the_field(client_for, admin_user):
    response = upload(client_for(admin_user), "institutionen", csv_file(["x;y"], header="Titel;Ort"))
    assert response.status_code == 400
    assert "Diese Spalten fehlen in der ersten Zeile: Name, Arbeitsfeld." in response.content.decode()


def test_upload_of_other_file_types_is_refused(client_for, admin_user):
    response = upload(client_for(admin_user), "personen", SimpleUploadedFile("a.pdf", b"%PDF"))
    assert "Bitte eine Datei im Format .csv oder .xlsx hochladen." in response.content.decode()


def test_staff_import_reports_unknown_institution_role_and_duplicate_email(client_for, admin_user, institution):
    header = ";".join(c.header for c in tables.STAFF_COLUMNS)
    lines = [
        f'Ada;Neu;ada@example.org;{institution.name};"Koordination; Mitglied"',
        "Bo;Neu;bo@example.org;Nirgendwo;Mitglied",
        f"Cy;Neu;cy@example.org;{institution.short_name};Chefin",
        f"Ada;Neu;ADA@example.org;{institution.name};Mitglied",
    ]
    client = client_for(admin_user)
    upload(client, "personen", csv_file(lines, header=header))
    page = client.get(reverse("import_preview", args=["personen"])).content.decode()
    assert "Unbekannte Institution „Nirgendwo“." in page
    assert "Unbekannte Rolle „Chefin“." in page
    assert "Die E-Mail-Adresse ada@example.org steht für diese Institution schon in Zeile 2." in page


def test_staff_import_creates_accounts_and_logs_role_grants(admin_user, institution, member):
    rows = [
        {
            "first_name": "Ada",
            "last_name": "Neu",
            "email": "ada@example.org",
            "institution": "JA",
            "roles": "Koordination; Mitglied",
        },
        {
            "first_name": member.first_name,
            "last_name": member.last_name,
            "email": member.email,
            "institution": institution.name,
            "roles": "Leitung",
        },
    ]
    result = apply_import("personen", rows, admin_user)
    assert result == {"created": 1, "updated": 1, "roles": 3}
    ada = User.objects.get(email="ada@example.org")
    assert not ada.has_usable_password()
    assert set(ada.memberships.values_list("role", flat=True)) == {Role.KOORDINATION, Role.MITGLIED}
    assert Membership.objects.filter(user=member, role=Role.LEITUNG, institution=institution).exists()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ROLE_GRANTED, actor=admin_user).count() == 3


def test_export_reads_back_as_the_same_rows(client_for, admin_user, institution):
    response = client_for(admin_user).get(reverse("network_export", args=["institutionen", "xlsx"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]][:3] == ["Name", "Kurzname", "Arbeitsfeld"]
    upload_file = SimpleUploadedFile("export.xlsx", response.content)
    rows = tables.read_upload("institutionen", upload_file)
    assert rows[0]["name"] == institution.name
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).count() == 1


def test_template_csv_has_headers_and_an_example(client_for, admin_user):
    response = client_for(admin_user).get(reverse("import_template", args=["personen", "csv"]))
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "Vorname;Nachname;E-Mail;Institution;Rollen"
    assert "Koordination; Mitglied" in text


def test_thousand_rows_confirm_in_few_queries(admin_user, django_assert_max_num_queries):
    rows = [
        {c.key: "" for c in tables.INSTITUTION_COLUMNS}
        | {
            "name": f"Träger {n:04}",
            "arbeitsfeld": "Schule",
            "offers": "A; B",
            "contact_name": "K",
            "contact_responsibility": "Z",
        }
        for n in range(1000)
    ]
    with django_assert_max_num_queries(60):  # SQLite inserts in batches of a few hundred rows
        apply_import("institutionen", rows, admin_user)
    assert Institution.objects.filter(name__startswith="Träger").count() == 1000
    assert Offer.objects.filter(institution__name__startswith="Träger").count() == 2000


def test_preview_query_count_is_pinned(client_for, admin_user, django_assert_num_queries):
    client = client_for(admin_user)
    upload(client, "institutionen", csv_file([institution_line(f"T {n}") for n in range(30)]))
    url = reverse("import_preview", args=["institutionen"])
    client.get(url)
    with django_assert_num_queries(4):
        client.get(url)
