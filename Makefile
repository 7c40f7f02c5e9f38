# `make demo` runs the tutorial's main job on the embedded synthetic faces;
# `make test` runs the test suite. Both set up .venv first (scripts/bootstrap.sh).
# `make wheelhouse` builds wheelhouse/, for installing the GPU set-up offline
# (see scripts/wheelhouse.sh; LIBGPUARRAY_SRC=path avoids cloning from GitHub).
VENV ?= .venv
PY = $(VENV)/bin/python

.PHONY: demo test test-all setup setup-dev wheelhouse

# The demo writes its pickles, figures and submission to runs/demo/.
demo: setup
	mkdir -p runs/demo && cd runs/demo && $(abspath $(PY)) -m facial_keypoints.kfkd demo

# CI (CI=true) also runs the slow tests, Lasagne 0.1's own suite among them.
test: setup-dev
	$(PY) -m pytest $(if $(filter true,$(CI)),--runslow)

test-all: setup-dev
	$(PY) -m pytest --runslow

setup:
	@VENV=$(VENV) scripts/bootstrap.sh requirements.txt

setup-dev:
	@VENV=$(VENV) scripts/bootstrap.sh requirements-dev.txt

wheelhouse:
	scripts/wheelhouse.sh wheelhouse $(if $(LIBGPUARRAY_SRC),--libgpuarray-src $(LIBGPUARRAY_SRC))
