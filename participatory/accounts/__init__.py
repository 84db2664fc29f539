"""Users, roles, residence and verification."""
