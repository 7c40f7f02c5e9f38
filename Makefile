# `make demo` runs the tutorial's main job on the embedded synthetic faces;
# `make test` runs the test suite. Both set up .venv first (scripts/bootstrap.sh).
VENV ?= .venv
PY = $(VENV)/bin/python

.PHONY: demo test test-all setup setup-dev

demo: setup
	$(PY) -m facial_keypoints.kfkd demo

test: setup-dev
	$(PY) -m pytest

test-all: setup-dev
	$(PY) -m pytest --runslow

setup:
	@VENV=$(VENV) scripts/bootstrap.sh requirements.txt

setup-dev:
	@VENV=$(VENV) scripts/bootstrap.sh requirements-dev.txt
