# Two entry points on a fresh machine: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
HOST   ?= 127.0.0.1
PORT   ?= 8501
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false

.PHONY: install install-test system-test-deps run ingest test bench clean

# Debian packages the tests use: a real browser and a real Postgres server.
SYSTEM_TEST_PACKAGES := chromium postgresql

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# torch is pinned in pyproject beside sentence-transformers, so this single
	# step takes the CPU build instead of a multi-GB CUDA one.
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

ingest: install
	$(VENV)/bin/ders-asistani ingest

run: install ingest
	$(VENV)/bin/streamlit run app.py --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

# Installs only what is missing (one quiet apt-get update), so a second run costs a
# dpkg-query. Without root it stops at once instead of failing minutes later.
system-test-deps:
	@missing=""; for pkg in $(SYSTEM_TEST_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "Testler için eksik sistem paketleri:$$missing. Önce şu komutu çalıştırın: sudo apt-get install -y$$missing" >&2; \
	    exit 1; \
	  fi; \
	  echo "Eksik sistem paketleri kuruluyor:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# PYTEST_EXIT_FILE (used by .ci/run) receives pytest's own exit code, which make
# itself collapses to 2.
test: system-test-deps install-test
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ -n "$(PYTEST_EXIT_FILE)" ]; then echo $$rc > "$(PYTEST_EXIT_FILE)"; fi; exit $$rc

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) storage .pytest_cache test-artifacts
