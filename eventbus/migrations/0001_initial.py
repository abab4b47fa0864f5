# The outbox and processed-event tables moved here from the payments app. Their tables keep their
# names, so this migration only takes them over in Django's state; the database is not touched.

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("transactions", "0004_review_queue_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="OutboxEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("event_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ("topic", models.CharField(max_length=200)),
                        (
                            "key",
                            models.CharField(help_text="Partition key: events with one key stay in order.", max_length=200),
                        ),
                        ("event_type", models.CharField(max_length=100)),
                        ("envelope", models.JSONField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("published_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "db_table": "transactions_outboxevent",
                        "ordering": ["id"],
                        "indexes": [
                            models.Index(
                                condition=models.Q(("published_at__isnull", True)), fields=["id"], name="outbox_unpublished"
                            ),
                            models.Index(
                                condition=models.Q(("published_at__isnull", True)),
                                fields=["key", "id"],
                                name="outbox_unpublished_key",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ProcessedEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("event_id", models.UUIDField()),
                        ("handler", models.CharField(max_length=100)),
                        ("processed_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "transactions_processedevent",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("event_id", "handler"), name="processed_event_once_per_handler"
                            )
                        ],
                    },
                ),
            ],
        )
    ]
