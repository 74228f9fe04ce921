# The adapter as a container image: `adapter serve` on port 8000, as a non-root user, with the shipped mappings and
# contracts (mount your own over /app/mappings and /app/wsdl). Build: docker build -t soap-adapter:0.1.0 .
# Settings are ADAPTER_* environment variables (docs/operations.md); secrets come from the environment, never the image.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY adapter ./adapter
COPY mappings ./mappings
COPY wsdl ./wsdl
# The only network access of the build: pip fetching the wheels pyproject.toml names.
RUN python -m venv /opt/adapter \
    && /opt/adapter/bin/pip install --no-cache-dir . \
    && /opt/adapter/bin/python -m compileall -q /opt/adapter

FROM python:3.11-slim-bookworm
ENV PATH=/opt/adapter/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ADAPTER_HOST=0.0.0.0 \
    ADAPTER_PORT=8000 \
    ADAPTER_MAPPINGS_DIR=/app/mappings \
    ADAPTER_WSDL_DIR=/app/wsdl
RUN groupadd --system --gid 10001 adapter \
    && useradd --system --uid 10001 --gid adapter --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin adapter
COPY --from=build /opt/adapter /opt/adapter
COPY mappings /app/mappings
COPY wsdl /app/wsdl
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# Liveness only (/healthz): readiness (/readyz) is for the load balancer, which takes an instance out without
# restarting it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('ADAPTER_PORT', '8000'), timeout=2)"]
# uvicorn finishes in-flight requests on SIGTERM (ADAPTER_SHUTDOWN_TIMEOUT, 20 s by default): give the container
# more than that before SIGKILL (docker stop -t 30, compose stop_grace_period, Kubernetes terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
ENTRYPOINT ["adapter"]
CMD ["serve"]
