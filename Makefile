# Two commands on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-stamp
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
DEMO_WS ?= demo-workspace

.PHONY: demo test install test-tools lint clean bench

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/genomed demo -w $(DEMO_WS)

# Tools only the tests need: bcftools/tabix (reference implementation), chromium (reports: PDF and browser tests).
test-tools:
	@command -v bcftools >/dev/null && command -v tabix >/dev/null && command -v chromium >/dev/null || \
	  ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq bcftools tabix chromium)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

test: $(STAMP) test-tools lint
	$(VENV)/bin/pytest -q

bench: $(STAMP) test-tools
	$(PY) benchmarks/ingest_vcf.py --scale 8
	$(PY) benchmarks/popfreq.py
	$(PY) benchmarks/cohort.py

clean:
	rm -rf $(VENV) $(DEMO_WS) .pytest_cache .ruff_cache
