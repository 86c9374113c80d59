# zdsync worker image. Build context: the repository root (.dockerignore keeps it small).
#
# Two stages: the first builds zdsync's wheel from the source; the second installs the
# pinned dependencies first (a layer rebuilt only when pyproject.toml or constraints.txt
# change, not on every code change), then the wheel (non-editable: the Alembic scripts are
# installed as data files, see adapters/store/migrations.py), and runs as a non-root user.

FROM python:3.11-slim AS wheel
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY alembic ./alembic
COPY rules ./rules
COPY sync ./sync
COPY adapters ./adapters
COPY emulator ./emulator
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --system --uid 10001 --home-dir /var/lib/zdsync --create-home zdsync

# The runtime dependencies alone, at the pinned versions (no dev tools).
COPY pyproject.toml constraints.txt /tmp/deps/
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/deps/pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/deps/requirements.txt \
    && pip install --no-cache-dir -c /tmp/deps/constraints.txt -r /tmp/deps/requirements.txt \
    && rm -rf /tmp/deps

COPY --from=wheel /wheels /tmp/wheels
RUN pip install --no-cache-dir --no-deps /tmp/wheels/*.whl && rm -rf /tmp/wheels

# Read-only files the commands name: the example config, the emulator's demo world.
WORKDIR /app
COPY zdsync.example.yaml ./
COPY fixtures ./fixtures

# The worker's own directory (a SQLite file, if no ZDSYNC_DATABASE_URL is given).
WORKDIR /var/lib/zdsync
USER zdsync

ENTRYPOINT ["zdsync"]
CMD ["run"]
