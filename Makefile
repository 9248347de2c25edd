# make lab   : set up .venv and open JupyterLab on the notebooks
# make test  : set up everything on a fresh Debian machine and run every test
# make bench : the benchmarks (not part of make test)
# make lock  : refresh requirements-lock.txt, the exact versions make lab, make test and Binder install
# make test-notebooks, make test-binder: parts of make test
# make assignments: nbgrader assignments from the notebooks, in build/course (README: teaching)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: lab test test-notebooks test-binder bench lab-deps system-deps clean lock assignments

# The exact versions of requirements-lock.txt (pyproject.toml keeps the ranges a library's users
# need): strict nbval outputs must not change under next year's NumPy or matplotlib.
$(STAMP): pyproject.toml requirements-lock.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements-lock.txt -e '.[test,gpu,lab]'
	touch $(STAMP)

# Refresh requirements-lock.txt: the newest versions within pyproject.toml's ranges, one version of
# each package for every platform and every Python from 3.11 up (uv's universal resolution).
# Then run make test, and commit the lock with the outputs it gives.
lock: $(STAMP)
	$(PY) -m pip install -q uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --extra gpu --extra lab --universal \
	  --fork-strategy fewest --python-version 3.11 --upgrade --no-header --annotation-style line \
	  -o requirements-lock.txt

# graphviz's dot draws the notebooks' graphs: all `make lab` needs besides the venv. Installed with
# apt-get only where that can work (root, Debian); anywhere else the lab opens all the same and
# this says how to install it (the notebooks show the same hint where a picture would be).
lab-deps:
	@command -v dot >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then echo "installing graphviz (dot)"; \
	    (apt-get update -q && apt-get install -y -q graphviz) >/dev/null || echo "$$DOT_HINT"; \
	  else echo "$$DOT_HINT"; fi; }

# chromium runs the browser test only (make test), so only system-deps asks for it.
system-deps: lab-deps
	@command -v chromium >/dev/null || { echo "installing chromium"; \
	  (apt-get update -q && apt-get install -y -q chromium) >/dev/null; }

# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
lab: $(STAMP) lab-deps
	$(VENV)/bin/jupyter lab notebooks/00_start_here.ipynb $$([ "$$(id -u)" = 0 ] && echo --allow-root)

test: $(STAMP) system-deps
	$(PY) -m pytest -q tests
	$(MAKE) --no-print-directory test-notebooks
	$(MAKE) --no-print-directory test-binder

# The notebooks, executed by nbval and every output compared with the committed one (strict:
# see notebooks/sanitize.cfg), in this venv's kernel.
test-notebooks: $(STAMP) system-deps
	$(PY) -m pytest -q -p no:cacheprovider --nbval --nbval-current-env notebooks/ \
	  --nbval-sanitize-with notebooks/sanitize.cfg

# Binder's install, rehearsed: a fresh venv in a temporary folder, `pip install -r
# binder/requirements.txt` run from the repository root (as repo2docker runs it), then the package
# imported and used from outside the source tree. pip's cache makes it quick after the first time.
test-binder:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  echo "test-binder: pip install -r binder/requirements.txt into a fresh venv" && \
	  $(PYTHON) -m venv "$$tmp/venv" && \
	  "$$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check -r binder/requirements.txt && \
	  cd "$$tmp" && env -u PYTHONPATH "$$tmp/venv/bin/python" -c "$$BINDER_CHECK" "$$tmp"

# nbgrader source notebooks from the numbered notebooks, released with nbgrader generate_assignment
# into build/course/release (course/make_assignments.py says how exercises become graded cells).
assignments: $(STAMP)
	$(PY) course/make_assignments.py

bench: $(STAMP) system-deps
	-$(PY) -m pip install -q -e ".[bench]" || echo "PyTorch/JAX not installed: their columns are left out"
	cd benchmarks && PYTHONPATH=.. ../$(PY) run.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# What test-binder runs in the fresh venv: the installed package (not the source tree) runs the
# document's first example, viz draws its graph (needs dot, from binder/apt.txt) and the widgets import.
define BINDER_CHECK
import sys, mini_autograd, viz, ipywidgets, matplotlib
import numpy as np
import mini_autograd.nn as nn
import mini_autograd.ops as ops
from mini_autograd import Parameter, Tensor
assert mini_autograd.__file__.startswith(sys.argv[1]), mini_autograd.__file__
class Net(nn.Cell):
    def __init__(self):
        super().__init__()
        self.matmul = ops.MatMul()
        self.z = Parameter(Tensor(np.array([1.0], np.float32)), name="z")
    def construct(self, x, y):
        return self.matmul(x * self.z, y)
fvg = nn.ForwardValueAndGrad(Net())
fvg(Tensor([[0.8, 0.6, 0.2], [1.8, 1.3, 1.1]]), Tensor([[0.11, 3.3, 1.1], [1.1, 0.2, 1.4], [1.1, 2.2, 0.3]]))
assert viz.draw_graph(fvg).svg.startswith("<svg")
viz.explore(Net(), Tensor(np.ones((2, 3), np.float32)), Tensor(np.ones((3, 3), np.float32)))
print("test-binder: the Binder environment imports mini_autograd", mini_autograd.__version__, "and runs it")
endef
export BINDER_CHECK

define DOT_HINT
graphviz's dot was not found: JupyterLab opens, but the graphs are not drawn until it is installed
(then restart the kernel). The pip package 'graphviz' is only its Python interface; dot itself comes from
  Debian/Ubuntu:  sudo apt-get install graphviz
  macOS:          brew install graphviz
  conda:          conda install -c conda-forge graphviz
endef
export DOT_HINT
