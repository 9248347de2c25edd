# make lab   : set up .venv and open JupyterLab on the notebooks
# make test  : set up everything on a fresh Debian machine and run every test
# make bench : the benchmarks (not part of make test)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: lab test test-engine test-notebooks test-binder test-browser bench system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,gpu,lab]'
	touch $(STAMP)

# graphviz's dot draws the graphs; chromium runs the browser test. Installed only when missing.
system-deps:
	@command -v dot >/dev/null || { echo "installing graphviz (dot)"; \
	  (apt-get update -q && apt-get install -y -q graphviz) >/dev/null; }
	@command -v chromium >/dev/null || { echo "installing chromium"; \
	  (apt-get update -q && apt-get install -y -q chromium) >/dev/null; }

lab: $(STAMP) system-deps
	$(VENV)/bin/jupyter lab notebooks/00_start_here.ipynb

test: $(STAMP) system-deps
	$(PY) -m pytest -q tests

bench: $(STAMP) system-deps
	-$(PY) -m pip install -q -e ".[bench]" || echo "PyTorch/JAX not installed: their columns are left out"
	cd benchmarks && PYTHONPATH=.. ../$(PY) run.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
