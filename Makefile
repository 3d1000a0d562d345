# Essaim — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := run
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Find a Python >= 3.12: $(PYTHON) if set, else python3.13, python3.12, python3, else pyenv's versions.
define FIND_PYTHON
for c in $${PYTHON:-} python3.13 python3.12 python3 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
  if [ -n "$$c" ] && command -v "$$c" >/dev/null 2>&1 && "$$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then \
    echo "$$c"; exit 0; fi; \
done; exit 1
endef
export FIND_PYTHON

$(STAMP): pyproject.toml
	@py=$$(bash -c "$$FIND_PYTHON") || { echo "Python 3.12 ou plus récent introuvable (définissez PYTHON=/chemin/vers/python3.12)." >&2; exit 1; }; \
	echo "Python : $$py ($$($$py -V))"; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then rm -rf $(VENV); $$py -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

.PHONY: install run test bench lint clean-data
install: $(STAMP)

run: $(STAMP)
	$(PY) -m essaim.devstack run

test: lint
	$(PY) -m essaim.devstack test -- $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m essaim.devstack bench

# ruff; the layers' contracts (import-linter, pyproject.toml); types of the services, selectors,
# stats and write ports (mypy with the Django and DRF stubs: it loads the settings, never a database).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	PYTHONPATH=.:platform $(VENV)/bin/lint-imports --no-cache
	DATABASE_URL=$${DATABASE_URL:-postgres://lint@localhost/lint} $(VENV)/bin/mypy

clean-data:
	rm -rf .data
