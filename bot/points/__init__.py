"""Points: an append-only ledger shared by stores and the online shop."""
