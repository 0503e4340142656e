# The unfiltered slice keeps its month and day rows of every area's venues too (venue_area_key -1),
# of every dimension but the cross-area one, so that the national dashboard reads one row where it
# summed twenty areas' (issue 21: the national dashboard over a period that cuts two months read
# 120,000 rows at 4 M uses, most of them by home municipality at each area).
#
# The rows of every area are the sums of the rows of each area, so they are derived from them;
# the year rows (month 0) stay at each area. The names below are those of ``slices`` at this
# migration, copied so that later code cannot change what an upgrade does.

from django.db import migrations

EVERY_AREA = -1
KEYS = "filter, fvalue, year, month, day, venue_area_key, dim, value"
AMOUNTS = ("uses", "adults", "children", "assistants", "accepted", "refused")


def add_every_area(apps, schema_editor):
    SliceRollup = apps.get_model("stats", "SliceRollup")
    table = SliceRollup._meta.db_table
    SliceRollup.objects.filter(filter="", venue_area_key=EVERY_AREA).delete()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({KEYS}, {', '.join(AMOUNTS)}) "
            f"SELECT filter, fvalue, year, month, day, {EVERY_AREA}, dim, value, "
            f"{', '.join(f'SUM({name})' for name in AMOUNTS)} FROM {table} "
            "WHERE filter = '' AND month > 0 AND dim <> 'card_area' "
            "GROUP BY filter, fvalue, year, month, day, dim, value ORDER BY year, month, day, dim, value"
        )


def drop_every_area(apps, schema_editor):
    SliceRollup = apps.get_model("stats", "SliceRollup")
    SliceRollup.objects.filter(filter="", venue_area_key=EVERY_AREA).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0021_cube_month_and_year_indexes"),
    ]

    operations = [migrations.RunPython(add_every_area, drop_every_area)]
