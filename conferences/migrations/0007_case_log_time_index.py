"""The index on the case key of the audit log also orders by time: the access log page reads only its 50 entries.

0004 indexed the case key alone: the page (newest first, 50 a page) then read every entry of the case and
sorted them. With (case key, timestamp, id) the database walks the index backwards and stops after the
page; the count of the entries is answered from the same index. Per database as in 0004; the old index is
a prefix of the new one and goes.
"""

from django.db import migrations

OLD = "auditlog_logentry_case_id_idx"
NEW = "auditlog_logentry_case_time_idx"
KEY = {
    "postgresql": "(additional_data -> 'case_id')",
    "sqlite": "json_extract(additional_data, '$.case_id')",
}


def create_index(apps, schema_editor):
    key = KEY.get(schema_editor.connection.vendor)
    if key:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NEW} ON auditlog_logentry ({key}, timestamp, id)")
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD}")


def drop_index(apps, schema_editor):
    key = KEY.get(schema_editor.connection.vendor)
    if key:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {OLD} ON auditlog_logentry ({key})")
        schema_editor.execute(f"DROP INDEX IF EXISTS {NEW}")


class Migration(migrations.Migration):
    dependencies = [
        ("conferences", "0006_meeting_body_links_and_invitations"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
