"""Purchases: store receipts and online orders, one table for both channels."""
