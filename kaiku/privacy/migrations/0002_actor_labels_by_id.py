"""Staff are named in the read log by id, not by e-mail address (docs/privacy.md).

The read log page shows a person's current address through the ``actor`` key; an entry whose
account was deleted keeps no address at all.
"""

from django.db import migrations
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat


def forwards(apps, schema_editor):
    ReadEntry = apps.get_model("privacy", "ReadEntry")
    ReadEntry.objects.filter(actor__isnull=False).update(
        actor_label=Concat(Value("user #"), Cast(F("actor_id"), output_field=CharField()))
    )
    ReadEntry.objects.filter(actor__isnull=True, actor_label__contains="@").update(actor_label="user (deleted)")


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_read_log")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
