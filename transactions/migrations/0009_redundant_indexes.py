"""Drop three indexes that every payment paid for and no query needed.

Each payment's insert, and each status change (not a HOT update: the status is indexed), wrote an entry
into every index of its table. The merchant foreign keys had single-column indexes that the composite
indexes leading with merchant_id already serve, and the card fingerprint had a LIKE (pattern) index
beside its btree although it is only ever compared with `=`. The new fingerprint index is created
before the old ones go, so lookups by card are never without one.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("transactions", "0008_capture_and_refunds"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="transaction",
            index=models.Index(fields=["card_fingerprint"], name="tx_card_fingerprint"),
        ),
        migrations.AlterField(
            model_name="transaction",
            name="card_fingerprint",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="transaction",
            name="merchant",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="transactions",
                to="transactions.merchant",
            ),
        ),
        migrations.AlterField(
            model_name="idempotencyrecord",
            name="merchant",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, to="transactions.merchant"
            ),
        ),
    ]
