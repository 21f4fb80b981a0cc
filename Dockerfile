# syntax=docker/dockerfile:1
# The fairbot image, in four stages (README, "Production with Docker Compose"):
#   deps     the serving dependencies, installed from pyproject.toml before any code is copied, so a code
#            change rebuilds only the layers after it
#   app      the code on top of them
#   model    adds the build-only torch stack, converts the bundled model and exports it to ONNX
#   runtime  deps + code + the converted model: no torch, no compiler, a non-root user, a healthcheck
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
COPY pyproject.toml /tmp/pyproject.toml
# The exact pins of pyproject.toml, split in two: what serving needs, and the torch stack that only the model
# stage runs (ONNX Runtime serves the exported model; sentence-transformers stays an opt-in backend).
RUN python - <<'PY'
import tomllib
deps = tomllib.load(open("/tmp/pyproject.toml", "rb"))["project"]["dependencies"]
build_only = {"torch", "sentence-transformers", "transformers"}
name = lambda d: d.split("==")[0].split("[")[0].strip().lower()
open("/tmp/requirements.txt", "w").write("\n".join(d for d in deps if name(d) not in build_only) + "\n")
open("/tmp/requirements-model.txt", "w").write("\n".join(d for d in deps if name(d) in build_only) + "\n")
PY
RUN pip install -r /tmp/requirements.txt

FROM deps AS app
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY bot bot
COPY knowledge knowledge
COPY indexer indexer
# Editable: the code stays in /app (entries, migrations and templates are read from there), the venv points at it.
RUN pip install --no-deps -e .

FROM app AS model
# torch first, with its exact pin: a looser pin pulls a larger build.
RUN grep '^torch==' /tmp/requirements-model.txt | xargs pip install && pip install -r /tmp/requirements-model.txt
RUN python -m knowledge.model /data/models/multilingual-e5-small \
    && python -m knowledge.model --onnx /data/models/multilingual-e5-small

FROM ${PYTHON_IMAGE} AS runtime
# Debian's Tesseract with German and English reads the letters people send (bot/services/letters); offline.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 fairbot \
    && useradd --system --uid 10001 --gid fairbot --home-dir /app --no-create-home --shell /usr/sbin/nologin fairbot
COPY --from=app /opt/venv /opt/venv
COPY --from=app /app /app
COPY --from=model --chown=fairbot:fairbot /data/models /data/models
# The volumes mount here (docker-compose.yml); a new named volume starts as a copy of these, owned by fairbot.
RUN mkdir -p /data/index /data/backups && chown -R fairbot:fairbot /data
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 HF_HUB_OFFLINE=1 \
    FAIRBOT_DATA_DIR=/data FAIRBOT_HOST=0.0.0.0 FAIRBOT_PORT=8000 FAIRBOT_ENCODER=onnx FAIRBOT_INDEX_ENCODER=onnx
WORKDIR /app
USER fairbot
EXPOSE 8000
VOLUME ["/data/index", "/data/models"]
# Alive = the event loop answers; readiness (/readyz) is for the proxy and compose's depends_on.
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["fairbot", "run"]
