"""Read-only JSON API under /api/v1, open to everyone."""
