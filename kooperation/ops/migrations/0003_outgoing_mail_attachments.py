from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0002_notifications"),
    ]

    operations = [
        migrations.AddField(
            model_name="outgoingmail",
            name="attachments",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Dateiname, MIME-Typ und Inhalt (Base64) je Anhang",
                verbose_name="Anhänge",
            ),
        ),
    ]
