"""Staff are named in the audit and read logs by id; the pages show their current address."""

import importlib

from django.apps import apps

from kaiku.audit import services as audit
from kaiku.audit.models import AuditEntry
from kaiku.privacy.models import ReadEntry

migration = importlib.import_module("kaiku.audit.migrations.0003_actor_labels_by_id")
read_migration = importlib.import_module("kaiku.privacy.migrations.0002_actor_labels_by_id")


def test_an_entry_names_its_actor_by_id_and_the_page_by_address(world):
    admin = world.users["national_admin"]
    entry = audit.record(admin, "network.settings_changed", world.area_a)
    assert entry.actor_label == f"user #{admin.pk}"
    assert admin.email not in str(entry)

    page = world.client_for("national_admin").get("/audit/").content.decode()
    assert admin.email in page


def test_a_command_or_device_keeps_its_own_name(world):
    assert audit.record("create_card_stock", "cards.stock_created", world.area_a).actor_label == "create_card_stock"


def test_the_migrations_replace_addresses_already_logged(world):
    admin = world.users["coordinator"]
    kept = AuditEntry.objects.create(actor=admin, actor_label=admin.email, action="x", object_type="y")
    orphan = AuditEntry.objects.create(actor=None, actor_label="gone@example.org", action="x", object_type="y")
    read = ReadEntry.objects.create(actor=admin, actor_label=admin.email, what=ReadEntry.What.CARD_SEARCH)
    migration.forwards(apps, None)
    read_migration.forwards(apps, None)
    kept.refresh_from_db()
    orphan.refresh_from_db()
    read.refresh_from_db()
    assert (kept.actor_label, orphan.actor_label, read.actor_label) == (
        f"user #{admin.pk}",
        "user (deleted)",
        f"user #{admin.pk}",
    )
