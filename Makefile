# The two commands a new user needs: `make lab` and `make test`. Everything else is for authors.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Unit tests, then every notebook re-executed and compared with its stored outputs (nbval, strict).
PYTEST_NBVAL := $(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env -p no:cacheprovider

.PHONY: install lab notebooks test unit-test nbval student bench gpu-test navigation check clean

# A virtual environment with everything in requirements.txt (rnn_core installed editable).
$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python >= 3.10 is needed, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

## make lab: open JupyterLab at the first notebook (the project folder is its root, so links to the README work)
lab: install
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(ALLOW_ROOT) notebooks/00_introduction.ipynb

## make notebooks: execute every notebook in place, top to bottom in a fresh kernel (headless)
notebooks: install
	$(BIN)/python tools/execute_notebooks.py

## make test: unit tests + nbval over every notebook
test: install
	$(PYTEST_NBVAL) -q

unit-test: install
	$(BIN)/python -m pytest tests -q

nbval: install
	$(PYTEST_NBVAL) notebooks -q

## make student: build/student/ with the solution cells removed, for handing out
student: install
	$(BIN)/python tools/make_student.py --out build/student

## make navigation: regenerate the notebooks' navigation links and the README's contents
navigation: install
	$(BIN)/python tools/navigation.py

## make check: fail when the navigation links, the README contents or the notebook metadata are stale
check: install
	$(BIN)/python tools/navigation.py --check
	$(BIN)/python tools/normalize_notebooks.py --check

## make bench: CPU benchmarks (PyTorch columns when requirements-bench.txt is installed)
bench: install
	$(BIN)/python -m benchmarks.run

## make gpu-test: the GPU-marked tests (skipped without an NVIDIA GPU and CuPy)
gpu-test: install
	$(BIN)/python -m pytest tests -m gpu -q

clean:
	rm -rf build .pytest_cache
