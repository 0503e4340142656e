"""Staff are named in the audit log by id, not by e-mail address (docs/privacy.md).

The log pages show a person's current address through the ``actor`` key; an entry whose
account was deleted keeps no address at all.
"""

from django.db import migrations
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat


def forwards(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    AuditEntry.objects.filter(actor__isnull=False).update(
        actor_label=Concat(Value("user #"), Cast(F("actor_id"), output_field=CharField()))
    )
    AuditEntry.objects.filter(actor__isnull=True, actor_label__contains="@").update(actor_label="user (deleted)")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_redact_personal_values")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
