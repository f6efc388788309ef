import unittest

from inventory.stock import Inventory


class InventoryTest(unittest.TestCase):
    def setUp(self) -> None:
        self.inventory = Inventory()
        self.inventory.add("bolt-m6", 40, 25)
        self.inventory.add("nut-m6", 100, 10)

    def test_add_accumulates_quantity(self) -> None:
        self.inventory.add("bolt-m6", 10, 25)
        self.assertEqual(self.inventory.quantity("bolt-m6"), 50)

    def test_remove_refuses_more_than_in_stock(self) -> None:
        with self.assertRaises(ValueError):
            self.inventory.remove("nut-m6", 101)

    def test_remove_last_unit_forgets_the_sku(self) -> None:
        self.inventory.remove("bolt-m6", 40)
        self.assertEqual(self.inventory.quantity("bolt-m6"), 0)

    def test_total_value_without_discount(self) -> None:
        self.assertEqual(self.inventory.total_value_cents(), 40 * 25 + 100 * 10)

    def test_total_value_with_discount(self) -> None:
        # 10% off: 25 -> 23 (22.5 rounded half up), 10 -> 9
        self.assertEqual(self.inventory.total_value_cents(discount_percent=10), 40 * 23 + 100 * 9)


if __name__ == "__main__":
    unittest.main()
