"""An index on the case key of the audit log: the access log of a case filters LogEntry on it.

An expression index, so per database: PostgreSQL indexes `additional_data -> 'case_id'` (what the ORM's
`additional_data__case_id` compiles to), SQLite `json_extract(additional_data, '$.case_id')` (what
conferences.audit.case_log filters on there). Other databases get no index.
"""

from django.db import migrations

INDEX = "auditlog_logentry_case_id_idx"
CREATE = {
    "postgresql": f"CREATE INDEX IF NOT EXISTS {INDEX} ON auditlog_logentry ((additional_data -> 'case_id'))",
    "sqlite": f"CREATE INDEX IF NOT EXISTS {INDEX} ON auditlog_logentry (json_extract(additional_data, '$.case_id'))",
}


def create_index(apps, schema_editor):
    sql = CREATE.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor in CREATE:
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("conferences", "0003_privacy"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
