"""Demo Sitzungen of the main agreement: Gremium, Vorbereitungsgruppe, an Untergruppe, the quality dialogue."""

from __future__ import annotations

from datetime import time, timedelta

from django.utils import timezone

from agreements.models import QualityDialogue, Subgroup
from conferences.models import AgendaItem, Attendance, AttendanceStatus, Body, Meeting, Task


def _days(n: int):
    return timezone.localdate() + timedelta(days=n)


def seed_meetings(agreement, youth, drugs, clinic, users) -> None:
    """Gremium, Vorbereitungsgruppe, an Untergruppe and the quality dialogue, each with minutes."""
    coordinator, drobe, klinikum = users("koordination"), users("koordination.drobe"), users("koordination.klinikum")
    board = Meeting.objects.create(
        agreement=agreement,
        body=Body.KOOPERATIONSGREMIUM,
        title="3. Arbeitstreffen",
        date=_days(-21),
        start_time=time(14, 0),
        end_time=time(16, 0),
        place="Rathaus Lindenbrück, Sitzungssaal",
        recorder=coordinator,
        created_by=coordinator,
    )
    for position, (institution, person, function, status) in enumerate(
        [
            (youth, "Jonas Keller", "Sachgebietsleitung ASD", AttendanceStatus.ANWESEND),
            (drugs, "Lars Becker", "Koordination", AttendanceStatus.ANWESEND),
            (clinic, "Lea Schubert", "Sozialdienst", AttendanceStatus.ENTSCHULDIGT),
        ]
    ):
        Attendance.objects.create(
            meeting=board, institution=institution, name=person, function=function, status=status, position=position
        )
    for position, (title, minutes, decisions) in enumerate(
        [
            (
                "Ergebnisse der Untergruppen",
                "Die Untergruppen stellen ihre Antworten zu den Leitfragen vor.",
                "Die Antworten fließen in den Abschnitt Datenschutz ein.",
            ),
            (
                "Basiskriterien",
                "Die sechs Basiskriterien werden unverändert übernommen.",
                "Basiskriterien beschlossen.",
            ),
        ]
    ):
        AgendaItem.objects.create(meeting=board, title=title, minutes=minutes, decisions=decisions, position=position)
    Task.objects.create(
        meeting=board,
        what="Entwurf des Abschnitts Datenschutz an alle Partner senden",
        responsible_institution=youth,
        responsible_user=coordinator,
        due_on=_days(-4),
        with_whom="Vorbereitungsgruppe",
    )
    board.finalised_at, board.finalised_by = timezone.now() - timedelta(days=20), coordinator
    board.save(update_fields=["finalised_at", "finalised_by"])
    prep = Meeting.objects.create(
        agreement=agreement,
        body=Body.VORBEREITUNGSGRUPPE,
        title="Vorbereitung des 4. Arbeitstreffens",
        date=_days(-7),
        start_time=time(9, 0),
        place="Jugendamt Lindenbrück",
        recorder=drobe,
        created_by=coordinator,
    )
    for position, (institution, person) in enumerate(
        [(youth, "Jonas Keller"), (drugs, "Lars Becker"), (clinic, "Lea Schubert")]
    ):
        Attendance.objects.create(meeting=prep, institution=institution, name=person, position=position)
    AgendaItem.objects.create(
        meeting=prep,
        title="Tagesordnung des Kooperationsgremiums",
        minutes="Ablaufpläne und Hilfekonferenz-Regeln werden vorbereitet.",
        decisions="Einladung geht zwei Wochen vorher an alle Partner.",
    )
    Task.objects.create(
        meeting=prep,
        what="Einladung zum 4. Arbeitstreffen verschicken",
        responsible_institution=drugs,
        responsible_user=drobe,
        due_on=_days(7),
    )
    prep.finalised_at, prep.finalised_by = timezone.now() - timedelta(days=6), drobe
    prep.save(update_fields=["finalised_at", "finalised_by"])
    subgroup = Meeting.objects.create(
        agreement=agreement,
        body=Body.UNTERGRUPPE,
        subgroup=Subgroup.objects.filter(agreement=agreement, institution=clinic).first(),
        title="Leitfragen Datenschutz",
        date=_days(-1),
        start_time=time(13, 0),
        place="Klinikum Lindenbrück, Konferenzraum",
        recorder=klinikum,
        created_by=klinikum,
    )
    AgendaItem.objects.create(
        meeting=subgroup,
        title="Worüber muss gegenseitig informiert werden, worüber nicht?",
        minutes="Austausch im Team der Neonatologie und des Sozialdienstes.",
    )
    Attendance.objects.create(meeting=subgroup, institution=clinic, name="Lea Schubert", function="Sozialdienst")
    subgroup.finalised_at, subgroup.finalised_by = timezone.now() - timedelta(hours=20), klinikum
    subgroup.save(update_fields=["finalised_at", "finalised_by"])
    _quality_meeting(agreement, youth, drugs, users)


def _quality_meeting(agreement, youth, drugs, users) -> None:
    """The meeting of this year's quality dialogue; its agreed measure is a task of the Koordination."""
    dialogue = QualityDialogue.objects.filter(agreement=agreement).order_by("-year").first()
    if dialogue is None:
        return
    coordinator = users("koordination")
    meeting = Meeting.objects.create(
        agreement=agreement,
        body=Body.QUALITAETSDIALOG,
        quality_dialogue=dialogue,
        title="Auswertung der Selbsteinschätzungen",
        date=_days(-3),
        start_time=time(10, 0),
        end_time=time(12, 0),
        place="Rathaus Lindenbrück, Sitzungssaal",
        recorder=coordinator,
        created_by=coordinator,
    )
    for position, (institution, person) in enumerate([(youth, "Jonas Keller"), (drugs, "Lars Becker")]):
        Attendance.objects.create(meeting=meeting, institution=institution, name=person, position=position)
    AgendaItem.objects.create(
        meeting=meeting,
        title="Verbindlichkeit der Zusammenarbeit",
        minutes="Die Einschätzungen gehen bei der Verbindlichkeit am weitesten auseinander.",
        decisions="Rückmeldungen nach Hilfekonferenzen werden verbindlich innerhalb einer Woche gegeben.",
    )
    Task.objects.create(
        meeting=meeting,
        what="Rückmeldebogen nach Hilfekonferenzen entwerfen und an die Partner senden",
        responsible_institution=youth,
        responsible_user=coordinator,
        due_on=_days(21),
        with_whom="Kooperationsgremium",
    )
    meeting.finalised_at, meeting.finalised_by = timezone.now() - timedelta(days=2), coordinator
    meeting.save(update_fields=["finalised_at", "finalised_by"])
