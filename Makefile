# Developer entry points. Everything runs inside .venv, built once from the pinned
# requirements (torch comes from the machine's local CPU wheel through pip's find-links
# configuration; never install a CUDA build).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo tour test notebooks sheets bench clean distclean

venv: $(STAMP)

# The stamp is rebuilt when the requirements or the package metadata change.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements-dev.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

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

bench: $(STAMP)
	$(BIN)/python benchmarks/suite.py --out outputs/bench.json

clean:
	rm -rf outputs build dist *.egg-info .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
