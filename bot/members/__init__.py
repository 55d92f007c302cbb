"""Members: the store/online member ID a LINE user links to."""
