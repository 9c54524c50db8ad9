# The two commands a new user needs: `make lab` and `make test`. Everything else is for authors.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Exact versions with hashes, resolved from requirements.txt by `make lock`.
LOCK   := requirements.lock
# The Pythons the locked packages have wheels for: 3.11.5 (soupsieve 4.1; numpy 2.4 needs 3.11) to 3.14.
PYTHON_OK := import sys; v = sys.version_info[:3]; sys.exit(0 if (3, 11, 5) <= v < (3, 15) else "the locked packages need Python 3.11.5 to 3.14, found " + sys.version.split()[0])
# Unit tests, then every notebook re-executed and compared with its stored outputs (nbval, strict).
PYTEST_NBVAL := $(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env -p no:cacheprovider

.PHONY: install lab notebooks test unit-test nbval student slides book bench gpu-test navigation check clean mutation

# A virtual environment with the exact versions of requirements.lock (hash-checked), then
# rnn_core itself, editable and without dependencies (the lock has them). A changed lock reinstalls.
$(STAMP): $(LOCK) pyproject.toml
	test -x $(BIN)/python || { $(PYTHON) -c '$(PYTHON_OK)' && $(PYTHON) -m venv $(VENV); }
	@$(BIN)/python -c '$(PYTHON_OK)' || { echo "remove $(VENV) and run make again with PYTHON=python3.X (3.11.5 to 3.14)"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# tools/course.py is the same entry point without make (Windows: py tools/course.py lab).
# It adds --allow-root when run as root (containers, CI) and --no-browser where no browser is found.
LAB_ARGS ?=
## make lab: JupyterLab at the first notebook; prints its URL with the token (LAB_ARGS="--no-browser --port 8890")
lab: install
	$(BIN)/python tools/course.py lab $(LAB_ARGS)

## make notebooks: execute every notebook in place, top to bottom in a fresh kernel (headless)
notebooks: install
	$(BIN)/python tools/execute_notebooks.py

## make test: unit tests + nbval over every notebook
test: install
	$(PYTEST_NBVAL) -q

.PHONY: test-portable ci lock
# Passes of tools/nbval_passes.py that run at the same time. A pass is mostly one busy core
# (the kernel runs Python, pytest waits), so two use a 2-core CI machine fully.
NBVAL_JOBS ?= 2

## make test-portable: strict nbval again under OpenBLAS's AVX2 (Haswell) and AVX (Sandybridge) kernels and with one thread
test-portable: install
	$(BIN)/python tools/nbval_passes.py haswell sandybridge one-thread --jobs $(NBVAL_JOBS)

# The book's packages (exact versions with hashes, the locked ones repeated), for CI's book tests.
BOOK_STAMP := $(VENV)/.book-installed
$(BOOK_STAMP): requirements-book.txt $(STAMP)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-book.txt
	touch $(BOOK_STAMP)

## make ci: what .ci/run runs: make test's pass (with the book's packages, so the book is built and checked) and the three portable passes, with one total line
ci: install $(BOOK_STAMP)
	$(BIN)/python tools/nbval_passes.py default haswell sandybridge one-thread --jobs $(NBVAL_JOBS)

# uv resolves one lock valid on every supported Python and platform (pip-compile cannot);
# --fork-strategy fewest keeps one version of each package for all of them (same outputs).
UV_VERSION   := 0.13.8
LOCK_TOOLS   := build/lock-tools
LOCK_UPGRADE ?= --upgrade
## make lock: re-resolve requirements.txt to the newest versions it allows (LOCK_UPGRADE= keeps the current pins), reinstall, re-execute every notebook, show what changed
lock:
	test -x $(LOCK_TOOLS)/bin/uv || { $(PYTHON) -m venv $(LOCK_TOOLS) && $(LOCK_TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION); }
	$(LOCK_TOOLS)/bin/uv pip compile --quiet $(LOCK_UPGRADE) --fork-strategy fewest --universal --python-version 3.11.5 --generate-hashes \
		--no-emit-package rnn-core --custom-compile-command "make lock" requirements.txt -o $(LOCK)
	$(MAKE) install
	$(MAKE) notebooks
	@echo "What the new lock changed (review the notebooks' diffs, then run make test and make test-portable):"
	@git diff --stat -- $(LOCK) notebooks

unit-test: install
	$(BIN)/python -m pytest tests -q

nbval: install
	$(PYTEST_NBVAL) notebooks -q

## make student: the student handout, build/student/ and build/rnn-course-student.zip (no solutions, with rnn_core and the lock)
student: install
	$(BIN)/python tools/make_student.py --out build/student

## make slides: lecture decks build/slides/NN_*.slides.html + index.html (reveal.js and MathJax installed from npm, no CDN: they work offline)
slides: install
	$(BIN)/python tools/slides.py --build build/slides

## make book: the HTML book of the series, build/book/html/index.html (works offline; installs requirements-book.txt)
book: install
	$(BIN)/python tools/course.py book

## make navigation: regenerate the notebooks' navigation links and the README's contents
navigation: install
	$(BIN)/python tools/navigation.py

## make check: fail when the navigation links, the README contents, the notebook metadata, the glossary, the slide metadata or the demo cells are stale
check: install
	$(BIN)/python tools/navigation.py --check
	$(BIN)/python tools/normalize_notebooks.py --check
	$(BIN)/python tools/glossary.py --check
	$(BIN)/python tools/slides.py --check
	$(BIN)/python tools/insert_demos.py --check

## make bench: CPU benchmarks: the vanilla RNN's sizes, then all three cells (vanilla, LSTM, GRU) on 1 and on 2 threads (PyTorch columns when requirements-bench.txt is installed)
bench: install
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.gated_bench --threads 1 --out benchmarks/results/gated_cpu.md
	$(BIN)/python -m benchmarks.gated_bench --threads 2 --out benchmarks/results/gated_cpu_2_threads.md

## make gpu-test: the GPU-marked tests (skipped without an NVIDIA GPU and CuPy)
gpu-test: install
	$(BIN)/python -m pytest tests -m gpu -q

## make mutation: mutation testing (mutmut) of rnn_core's reference cells, model, functional, optim, serialization and data (slow; not in CI)
mutation: install
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

clean:
	rm -rf build .pytest_cache mutants
