# `make demo` runs the tutorial's main job on the embedded synthetic faces;
# `make test` lints and runs the test suite with coverage (CI=true adds the
# slow tier); `make test-quick` runs the tests that train nothing, while
# editing; `make test-all` the default and slow tiers (`make test-opencl`,
# `make test-pythons`, `make test-platforms` and `make docker-test` run the
# OpenCL, other CPythons', notebook platforms' and Docker ones; `make
# gpu-bundle` makes the GPU check for a GPU machine). All set up .venv first
# (scripts/bootstrap.sh, which installs with install.py).
# `make wheelhouse` builds wheelhouse/, for installing the GPU set-up offline
# (see scripts/wheelhouse.sh; LIBGPUARRAY_SRC=path avoids cloning from GitHub).
VENV ?= .venv
PY = $(VENV)/bin/python

.PHONY: demo test test-quick test-all test-opencl test-pythons test-platforms docker-test gpu-bundle lint setup setup-dev wheelhouse clean distclean

# The demo writes its pickles, figures and submission to runs/demo/.
demo: setup
	mkdir -p runs/demo && cd runs/demo && $(abspath $(PY)) -m facial_keypoints.kfkd demo

# CI (CI=true) also runs the slow tests, Lasagne 0.1's own suite among them.
# The tests run on every core (pytest-xdist), each in one worker process.
test: lint
	$(PY) -m pytest -n auto --cov=facial_keypoints --cov-report=term:skip-covered \
	    $(if $(filter true,$(CI)),--runslow)

test-quick: setup-dev
	$(PY) -m pytest -q -m quick -n auto

test-all: lint
	$(PY) -m pytest --runslow

# The GPU code path on Theano's gpuarray back-end, on an OpenCL device that
# runs on the CPU (POCL); scripts/setup-opencl.sh installs what it needs.
# With it, the GPU check of `make gpu-bundle` rehearsed as on a GPU machine
# (tests/test_gpu_bundle.py: a CPython 3.12 with NumPy 2 and the rest of the
# base set alone, scripts/gpu-base.txt; no Theano, no network).
# Its own compile directory: GPU modules beside the CPU ones would do, but
# apart they are easy to remove.
OPENCL_FLAGS = device=opencl0:0,floatX=float32,base_compiledir=$(abspath .cache/theano-opencl)
test-opencl: setup-dev
	@VENV=$(VENV) scripts/setup-opencl.sh
	THEANO_FLAGS=$(OPENCL_FLAGS) $(PY) -m pytest -q -m opencl

# The other supported CPythons (.venv has the first found, 3.11 where there
# is one): a virtual environment for each, .venv-3.12 to .venv-3.15
# (scripts/other-venv.sh; 3.14 and 3.15 from Debian sid, in the root of
# scripts/sid-root.sh, as root), in which net1, net2 and net6 train to the
# bit as in .venv at equal NumPy, and Lasagne 0.1's own suite passes.
OTHER_PYTHONS ?= 3.12 3.13 3.14 3.15
# Kept beside the synthetic faces, so that each checkout (and CI's fresh
# clone) reuses it and the Theano compile cache inside it.
SID_ROOT ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/facial_keypoints/sid-root
test-pythons: setup-dev
	@for version in $(OTHER_PYTHONS); do \
	    SID_ROOT=$(SID_ROOT) scripts/other-venv.sh $$version || exit 1; \
	done
	FKP_OTHER_VENVS="$(addprefix .venv-,$(OTHER_PYTHONS))" $(PY) -m pytest -q -m pythons

# What a notebook user does, on hosted platforms' packages
# (tests/test_platforms.py): install.py run by a notebook cell in the
# platform's own kernel, its packages kept, then notebooks 01 and 02. The
# CPython 3.15 platform lives in the Debian sid root (as root).
test-platforms: setup-dev
	@scripts/sid-root.sh $(SID_ROOT)
	FKP_PLATFORMS=1 FKP_SID_ROOT=$(abspath $(SID_ROOT)) $(PY) -m pytest -q -m platforms

# The CPU, OpenCL and CUDA images built on a local Debian 12 base and tested
# in containers, docker stop included, the CUDA one without a GPU
# (scripts/docker-test.sh; as root).
docker-test: setup-dev
	@VENV=$(VENV) scripts/docker-test.sh

# gpu-bundle/: what a GPU machine without Theano or a network needs for the
# GPU check, gpu-bundle/check.sh [DEVICE] (scripts/gpu-bundle.sh;
# docs/gpu-docker.rst). `make test-opencl` rehearses it on POCL.
gpu-bundle: setup-dev
	@VENV=$(VENV) scripts/gpu-bundle.sh

lint: setup-dev
	$(PY) -m ruff check --quiet facial_keypoints tests benchmarks scripts setup.py install.py

setup:
	@VENV=$(VENV) scripts/bootstrap.sh requirements.txt

setup-dev:
	@VENV=$(VENV) scripts/bootstrap.sh requirements-dev.txt

# clean removes what running wrote; all of it is made again when needed:
#   runs/                    the demo's pickles, figures and submission
#   .cache/                  the Lasagne suite's sources; uv, if set-up installed it there
#   $XDG_CACHE_HOME/facial_keypoints (default ~/.cache/facial_keypoints)
#                            the generated synthetic data set, a few hundred MB,
#                            and the Debian sid root of CPython 3.14 and 3.15
#                            (about 1 GB)
#   *.parsed.npz             parsed CSVs, beside the data in $FKP_DATA_DIR,
#                            ~/data/kaggle-facial-keypoint-detection/ and data/
#   .pytest_cache/, __pycache__/
# Theano's compile cache (under ~/.theano) may be shared with other Theano
# work, so it is kept; to empty it, remove the directory that
#   .venv/bin/python -c 'import facial_keypoints, theano; print(theano.config.compiledir)'
# prints (theano-cache itself fails without this package's compatibility patches).
clean:
	rm -rf runs .cache .pytest_cache "$${XDG_CACHE_HOME:-$$HOME/.cache}/facial_keypoints"
	for dir in "$${FKP_DATA_DIR:-}" "$$HOME/data/kaggle-facial-keypoint-detection" data; do \
	    if [ -n "$$dir" ]; then rm -f "$$dir"/*.parsed.npz; fi; \
	done
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# distclean also removes the virtual environments and the editable install's
# metadata, so that the next `make` sets up from scratch.
distclean: clean
	rm -rf $(VENV) $(addprefix .venv-,$(OTHER_PYTHONS)) *.egg-info build dist

wheelhouse:
	scripts/wheelhouse.sh wheelhouse $(if $(LIBGPUARRAY_SRC),--libgpuarray-src $(LIBGPUARRAY_SRC))
