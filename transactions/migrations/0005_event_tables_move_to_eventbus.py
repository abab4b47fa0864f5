# OutboxEvent and ProcessedEvent now belong to the eventbus app (same tables): state only.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("transactions", "0004_review_queue_index"), ("eventbus", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="OutboxEvent"), migrations.DeleteModel(name="ProcessedEvent")],
        )
    ]
