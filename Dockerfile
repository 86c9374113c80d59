# zdsync worker image. Build context: the repository root.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY sync ./sync
COPY rules ./rules
COPY adapters ./adapters
COPY alembic ./alembic
COPY fixtures ./fixtures
# Editable so the Alembic scripts next to the packages are found at run time.
RUN pip install --no-cache-dir -c constraints.txt -e . \
    && useradd --system --uid 10001 zdsync
USER zdsync

ENTRYPOINT ["zdsync"]
CMD ["run"]
