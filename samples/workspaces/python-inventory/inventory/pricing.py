"""Prices are integers in cents so that totals stay exact."""


def apply_discount(price_cents: int, percent: int) -> int:
    """Return the price after taking `percent` off, rounded half up to whole cents."""
    if not 0 <= percent <= 100:
        raise ValueError(f"percent must be between 0 and 100; got {percent}")
    return (price_cents * percent + 50) // 100
