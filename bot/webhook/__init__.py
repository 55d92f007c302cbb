"""LINE webhook: receive, verify, store, enqueue; then dispatch in the worker."""
