"""Hash-chained audit log, exports and manifests."""
