"""The national demo: `flask demo seed` (see services.py for what it creates and how)."""
