"""A tiny stock-keeping library: quantities per SKU and the stock's value in cents."""
