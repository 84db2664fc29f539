"""The liveness and readiness endpoints: public, for load balancers and the load benchmark's ceiling."""

from tests.permissions.framework import Case, everyone

CASES = [
    Case("health.healthz", "GET", "/healthz", everyone(200)),
    Case("health.readyz", "GET", "/readyz", everyone(200)),
]
