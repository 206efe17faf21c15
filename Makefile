# Developer entry points. Everything runs inside .venv, built once from requirements.lock:
# every package, transitive ones included, pinned, so pip installs without resolving
# (torch comes from the machine's local CPU wheel through pip's find-links configuration;
# never install a CUDA build). requirements*.txt name what we depend on; `make lock`
# resolves them afresh and rewrites the lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv lock demo tour test notebooks sheets gallery bench clean distclean

venv: $(STAMP)

# The stamp is rebuilt when the lock or the package metadata change.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --no-deps -r requirements.lock
	$(BIN)/python -m pip install --no-deps -e .
	$(BIN)/python -m pip check
	touch $@

# Resolve requirements-dev.txt (and through it requirements.txt) in a scratch venv and
# pin every package it installed in requirements.lock.
LOCK_VENV := .venv-lock
lock:
	rm -rf $(LOCK_VENV) && $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install -r requirements-dev.txt
	{ sed -n '/^#/p' requirements.lock; \
	  $(LOCK_VENV)/bin/python -m pip freeze --all --exclude-editable | grep -v '^pip=='; \
	} > requirements.lock.new
	mv requirements.lock.new requirements.lock
	rm -rf $(LOCK_VENV)

demo: $(STAMP)
	$(BIN)/python app.py

tour: $(STAMP)
	$(BIN)/vasa animate --out outputs/tour.mp4

test: $(STAMP)
	$(BIN)/python -m pytest -q tests

# re-execute the teaching notebooks with full settings and commit their outputs
notebooks: $(STAMP)
	$(BIN)/python notebooks/run.py --in-place

sheets: $(STAMP)
	$(BIN)/python -m benchmarks.contact_sheets

# docs/gallery: the same commanded frames now and in the previous release (a git revision)
gallery: $(STAMP)
	$(BIN)/python -m benchmarks.gallery

bench: $(STAMP)
	$(BIN)/python benchmarks/suite.py --out outputs/bench.json

clean:
	rm -rf outputs build dist *.egg-info .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
