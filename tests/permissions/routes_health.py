"""The liveness endpoint: public, for load balancers and the load benchmark's ceiling."""

from tests.permissions.framework import Case, everyone

CASES = [
    Case("health.healthz", "GET", "/healthz", everyone(200)),
]
