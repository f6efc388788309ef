"""Stock levels per SKU."""

from dataclasses import dataclass

from inventory.pricing import discounted_price


@dataclass
class StockLine:
    quantity: int
    unit_price_cents: int


class Inventory:
    def __init__(self) -> None:
        self._lines: dict[str, StockLine] = {}

    def add(self, sku: str, quantity: int, unit_price_cents: int) -> None:
        if quantity <= 0:
            raise ValueError(f"quantity must be positive; got {quantity}")
        line = self._lines.get(sku)
        if line is None:
            self._lines[sku] = StockLine(quantity, unit_price_cents)
        else:
            line.quantity += quantity
            line.unit_price_cents = unit_price_cents

    def remove(self, sku: str, quantity: int) -> None:
        line = self._lines.get(sku)
        if line is None:
            raise KeyError(f"unknown SKU {sku!r}")
        if quantity > line.quantity:
            raise ValueError(f"cannot remove {quantity} of {sku!r}; only {line.quantity} in stock")
        line.quantity -= quantity
        if line.quantity == 0:
            del self._lines[sku]

    def quantity(self, sku: str) -> int:
        line = self._lines.get(sku)
        return 0 if line is None else line.quantity

    def total_value_cents(self, discount_percent: int = 0) -> int:
        return sum(
            discounted_price(line.unit_price_cents, discount_percent) * line.quantity
            for line in self._lines.values()
        )
