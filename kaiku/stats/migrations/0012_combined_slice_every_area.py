from django.db import migrations

# The combined slice gains rows and card sets of every area's venues by parts of months (for
# the national dashboard under two or more filters): what was folded is thrown away and every
# fact waits to be folded again (the first sliced dashboard, or ``manage.py fold_stats``, folds
# them; ``rebuild_stats`` derives everything at once). No table changes.
CLEAR = [
    "DELETE FROM stats_slicerollup",
    "DELETE FROM stats_slicecards",
    "DELETE FROM stats_pendingfact",
]
ENQUEUE = "INSERT INTO stats_pendingfact (fact_id) SELECT id FROM stats_usefact"


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0011_slice_parts"),
    ]

    operations = [
        migrations.RunSQL(CLEAR, migrations.RunSQL.noop),
        migrations.RunSQL(ENQUEUE, migrations.RunSQL.noop),
    ]
