# The two commands a new user needs: `make lab` and `make test`. Everything else is for authors.
# The set-up itself lives in tools/course.py (the same commands without make, e.g. on Windows):
# it finds a supported Python, makes .venv and installs the exact versions of uv.lock.
PYTHON ?= python3
COURSE := $(PYTHON) tools/course.py
BIN    := .venv/bin

.PHONY: install lab test ci notebooks student slides book bench gpu-test navigation check lock \
        mutation clean assignments grade-test hub-test

## make install: .venv with the library, the notebooks' and the tests' packages (uv.lock, hash-checked)
install:
	$(COURSE) install

LAB_ARGS ?=
## make lab: JupyterLab at the first notebook; prints its URL with the token (LAB_ARGS="--no-browser --port 8890")
lab:
	$(COURSE) lab $(LAB_ARGS)

## make test: unit tests + strict nbval over every notebook (with every exercise check tested); offline once installed
test:
	$(COURSE) test

## make ci: what .ci/run runs: make test's pass, the notebooks under OpenBLAS's AVX2 and AVX kernels and one thread, the tests marked ci (the handout from its own README), two at a time
ci:
	$(COURSE) ci

## make notebooks: execute every notebook in place, top to bottom in a fresh kernel (headless)
notebooks: install
	$(BIN)/python tools/execute_notebooks.py

## make student: the student handout, build/student/ and build/rnn-course-student.zip
student:
	$(COURSE) student

## make slides: lecture decks build/slides/NN_*.slides.html + index.html (reveal.js and MathJax from npm; offline after)
slides: install
	$(BIN)/python tools/slides.py --build build/slides

## make book: the HTML book of the series, build/book/html/index.html (works offline)
book:
	$(COURSE) book

## make assignments: nbgrader's assignments from the notebooks, build/assignments/ (source: instructor's copy; release: students'); docs/hub.md
assignments:
	$(COURSE) assignments

## make grade-test: every notebook released, three submissions each (right, one wrong, untouched) autograded by nbgrader, the grade table printed
grade-test:
	$(COURSE) install --group hub
	GRADE_ALL_NOTEBOOKS=1 $(BIN)/python -m pytest tests/test_grading.py -m ci -q -s -p no:cacheprovider

## make hub-test: a JupyterHub on 127.0.0.1 for three students and an instructor (nbgitpuller, notebook 00 run, one assignment submitted and graded, reads refused); docs/hub.md
hub-test:
	$(COURSE) install --group hub
	$(BIN)/python tools/hub/install_proxy.py
	$(BIN)/python -m pytest tests/test_hub.py -m hub -q -s -p no:cacheprovider

## make navigation: regenerate the notebooks' navigation links and the README's contents
navigation: install
	$(BIN)/python tools/navigation.py

## make check: fail when a generated file is stale: navigation, metadata, glossary, slides, demos, requirements.txt, environment.yml, the Korean edition
check: install
	$(BIN)/python tools/navigation.py --check
	$(BIN)/python tools/normalize_notebooks.py --check
	$(BIN)/python tools/glossary.py --check
	$(BIN)/python tools/slides.py --check
	$(BIN)/python tools/insert_demos.py --check
	$(BIN)/python tools/deps.py --check
	$(BIN)/python tools/translate.py --check

# uv resolves one lock for every supported Python and platform; [tool.uv] fork-strategy = "fewest"
# keeps one version of each package for all of them (the same outputs everywhere).
LOCK_UPGRADE ?= --upgrade
## make lock: re-resolve pyproject.toml's ranges (LOCK_UPGRADE= keeps the current pins), regenerate requirements.txt and environment.yml, reinstall, re-execute the notebooks, show what changed
lock: install
	$(BIN)/uv lock $(LOCK_UPGRADE)
	$(BIN)/python tools/deps.py
	$(COURSE) install
	$(MAKE) notebooks
	@echo "What the new lock changed (review the notebooks' diffs, then run make test and make ci):"
	@git diff --stat -- uv.lock requirements.txt environment.yml notebooks

## make bench: CPU benchmarks: the vanilla RNN's sizes, then all three cells (vanilla, LSTM, GRU) on 1 and on 2 threads (installs the bench group: PyTorch)
bench:
	$(COURSE) install --group bench
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.gated_bench --threads 1 --out benchmarks/results/gated_cpu.md
	$(BIN)/python -m benchmarks.gated_bench --threads 2 --out benchmarks/results/gated_cpu_2_threads.md

## make gpu-test: the GPU-marked tests (installs the gpu group, CuPy; skipped without an NVIDIA GPU)
gpu-test:
	$(COURSE) install --group gpu
	$(BIN)/python -m pytest tests -m gpu -q

## make mutation: mutation testing (mutmut) of rnn_core's reference cells, model (training, generation, initialisation), functional, optim, serialization and data (slow; not in CI)
mutation:
	$(COURSE) install --group dev
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

clean:
	rm -rf build .pytest_cache mutants
