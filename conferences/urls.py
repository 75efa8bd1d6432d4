from django.urls import path

from conferences.views import cases, conference, meetings, tasks

urlpatterns = [
    path("faelle/", cases.case_list, name="case_list"),
    path("faelle/neu/", cases.case_create, name="case_create"),
    path("faelle/<int:pk>/", cases.case_detail, name="case_detail"),
    path("faelle/<int:pk>/bearbeiten/", cases.case_edit, name="case_edit"),
    path("faelle/<int:pk>/institutionen/", cases.case_institutions, name="case_institutions"),
    path("faelle/<int:pk>/einwilligung/", cases.consent_create, name="consent_create"),
    path("faelle/<int:pk>/zugriffe/", cases.case_access_log, name="case_access_log"),
    path("faelle/<int:pk>/hilfekonferenz/", conference.conference_create, name="conference_create"),
    path("einwilligungen/<int:pk>/widerruf/", cases.consent_revoke, name="consent_revoke"),
    path("einwilligungen/<int:pk>/dokument/", cases.consent_document, name="consent_document"),
    path("hilfekonferenzen/<int:pk>/", conference.conference_detail, name="conference_detail"),
    path("hilfekonferenzen/<int:pk>/planung/", conference.conference_plan, name="conference_plan"),
    path("hilfekonferenzen/<int:pk>/protokoll/", conference.conference_protocol, name="conference_protocol"),
    path("hilfekonferenzen/<int:pk>/zeile/<slug:kind>/", conference.conference_row, name="conference_row"),
    path("hilfekonferenzen/<int:pk>/abschliessen/", conference.conference_finalise, name="conference_finalise"),
    path("hilfekonferenzen/<int:pk>/nachtrag/", conference.conference_addendum, name="conference_addendum"),
    path("hilfekonferenzen/<int:pk>/ergebnisprotokoll.pdf", conference.conference_pdf, name="conference_pdf"),
    path("hilfekonferenzen/<int:pk>/termin.ics", conference.conference_ics, name="conference_ics"),
    path("sitzungen/", meetings.meeting_list, name="meeting_list"),
    path("sitzungen/neu/", meetings.meeting_create, name="meeting_create"),
    path("sitzungen/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("sitzungen/<int:pk>/bearbeiten/", meetings.meeting_edit, name="meeting_edit"),
    path("sitzungen/<int:pk>/zeile/<slug:kind>/", meetings.meeting_row, name="meeting_row"),
    path("sitzungen/<int:pk>/abschliessen/", meetings.meeting_finalise, name="meeting_finalise"),
    path("sitzungen/<int:pk>/nachtrag/", meetings.meeting_addendum, name="meeting_addendum"),
    path("sitzungen/<int:pk>/protokoll.pdf", meetings.meeting_pdf, name="meeting_pdf"),
    path("aufgaben/", tasks.my_tasks, name="my_tasks"),
    path("aufgaben/<int:pk>/stand/", tasks.task_status, name="task_status"),
]
