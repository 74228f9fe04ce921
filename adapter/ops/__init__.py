"""Operations: what keeps a gateway standing in production, between the routes and the backends.

Resilience per backend (deadline, retries, circuit breaker, bulkhead), rate limits and quotas, Idempotency-Key, the
answer cache, and the store they share: memory on one instance, Redis (``ADAPTER_REDIS_URL``) for many. Nothing here
imports a web framework: the ASGI glue is :mod:`adapter.api.traffic`. Each feature reports what it does through
:mod:`adapter.ops.events`, for metrics to count.
"""
