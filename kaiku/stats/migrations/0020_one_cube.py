# The use rollup becomes the slices' unfiltered slice (filter ""): one cube table (issue 21).
#
# Its rows are copied as they are. The facts still waiting to be folded into the slices
# (``PendingFact``) were already in the use rollup, and the fold now adds them to the unfiltered
# slice too, so their part is taken out of the copy. The dimensions and sums below are those of
# ``slices.ROLLUP_DIMS`` and ``slices._rollup_amounts`` at this migration, copied so that later code
# cannot change what an upgrade does.

from django.db import migrations
from django.db.models import F

COLUMNS = "year, month, day, venue_area_key, dim, value, uses, adults, children, assistants, accepted, refused"
AMOUNTS = ("uses", "adults", "children", "assistants", "accepted", "refused")
DIMS = (
    "month", "sector", "art_form", "card_kind", "age_band", "gender", "card_area", "channel", "reason",
    "home", "life_situation",
)
YEAR_DIM = "municipality_sector"


def _text(value):
    return "" if value is None else str(value)


def _pending_deltas(apps):
    """The rows each waiting fact added to the use rollup, and what it added to them."""
    UseFact = apps.get_model("stats", "UseFact")
    PendingFact = apps.get_model("stats", "PendingFact")
    deltas = {}
    for fact in UseFact.objects.filter(pk__in=PendingFact.objects.values("fact_id")).iterator():
        counted = fact.outcome == "accepted" and not fact.voided
        attempts = fact.channel != "monthly"
        if not counted and not attempts:
            continue
        amounts = [
            int(counted),
            fact.adults if counted else 0,
            fact.children + fact.community_clients if counted else 0,
            fact.assistants if counted else 0,
            int(attempts and fact.outcome == "accepted"),
            int(attempts and fact.outcome == "refused"),
        ]
        values = [
            "", fact.sector, fact.art_form, fact.card_kind, fact.age_band, fact.gender, _text(fact.card_area_id),
            fact.channel, fact.reason, _text(fact.card_municipality_id), fact.life_situation,
        ]
        area = fact.venue_area_id or 0
        keys = [(fact.year, fact.month, d, area, dim, v) for dim, v in zip(DIMS, values) for d in (0, fact.day.day)]
        rows = [(key, amounts) for key in keys]
        if counted:
            year_key = (fact.year, 0, 0, area, YEAR_DIM, f"{_text(fact.venue_municipality_id)}:{fact.sector}")
            rows.append((year_key, amounts[:4] + [0, 0]))
        for key, sums in rows:
            total = deltas.setdefault(key, [0] * 6)
            for i, amount in enumerate(sums):
                total[i] += amount
    return deltas


def _add(model, deltas, sign, **also):
    names = ("year", "month", "day", "venue_area_key", "dim", "value")
    for key, sums in sorted(deltas.items()):
        changes = {name: F(name) + sign * amount for name, amount in zip(AMOUNTS, sums)}
        model.objects.filter(**also, **dict(zip(names, key))).update(**changes)


def to_slice(apps, schema_editor):
    UseRollup = apps.get_model("stats", "UseRollup")
    SliceRollup = apps.get_model("stats", "SliceRollup")
    SliceRollup.objects.filter(filter="").delete()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SliceRollup._meta.db_table} (filter, fvalue, {COLUMNS}) "
            f"SELECT '', '', {COLUMNS} FROM {UseRollup._meta.db_table} ORDER BY year, month, day, venue_area_key, dim, value"
        )
    _add(SliceRollup, _pending_deltas(apps), -1, filter="", fvalue="")


def to_rollup(apps, schema_editor):
    UseRollup = apps.get_model("stats", "UseRollup")
    SliceRollup = apps.get_model("stats", "SliceRollup")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {UseRollup._meta.db_table} ({COLUMNS}) "
            f"SELECT {COLUMNS} FROM {SliceRollup._meta.db_table} WHERE filter = '' "
            "ORDER BY year, month, day, venue_area_key, dim, value"
        )
    deltas = _pending_deltas(apps)
    existing = set(UseRollup.objects.values_list("year", "month", "day", "venue_area_key", "dim", "value"))
    UseRollup.objects.bulk_create(
        UseRollup(**dict(zip(("year", "month", "day", "venue_area_key", "dim", "value"), key)))
        for key in sorted(deltas)
        if key not in existing
    )
    _add(UseRollup, deltas, +1)
    SliceRollup.objects.filter(filter="").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("stats", "0019_card_sets_as_roaring_bitmaps"),
    ]

    operations = [
        migrations.RunPython(to_slice, to_rollup),
        migrations.DeleteModel(name="UseRollup"),
    ]
