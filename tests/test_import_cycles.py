"""No two modules of one app import each other, directly or in a ring (scripts/import_cycles.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from import_cycles import APPS, app_rings


def test_no_app_has_an_import_ring():
    assert {app: rings for app in APPS if (rings := app_rings(app))} == {}


def test_a_ring_through_a_deferred_import_in_a_package_is_found(tmp_path):
    app = tmp_path / "shop"
    (app / "adapters").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "adapters" / "__init__.py").write_text("def pick():\n    from .stripe import Stripe\n")
    (app / "adapters" / "stripe.py").write_text("from ..orders import Order\n")
    (app / "orders.py").write_text("from . import adapters\n")
    (app / "refunds.py").write_text("from shop.orders import Order\n")  # imports, but no ring

    assert app_rings("shop", root=tmp_path) == [["shop.adapters", "shop.adapters.stripe", "shop.orders"]]
