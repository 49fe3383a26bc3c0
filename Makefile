# The two commands a newcomer needs: `make run` and `make test`.
# Each does all of its own set-up (a virtual environment in .venv).
#
# Installing is uv's (from PyPI, into the venv): `make run` installs exactly the
# versions and files in requirements.lock (hashes checked), then the project;
# `make test` adds the test tools. uv downloads in parallel and caches, which
# is most of the difference between a minute and a half and well under one.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_INSTALL := $(UV) pip install --quiet --python $(BIN)/python
PORT ?= 5000
DIGEST := $(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
RUN_STAMP := $(VENV)/.installed-run-$(DIGEST)
TEST_STAMP := $(VENV)/.installed-test-$(DIGEST)

.PHONY: run test lint install translations clean

# The venv without pip (its ensurepip took half a minute of a first `make run`): the system pip
# installs uv into it (`pip --python`, pip >= 22.3), falling back to the venv's own pip; uv then adds pip.
$(UV):
	test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(BIN)/python install --quiet --disable-pip-version-check uv \
	  || { $(BIN)/python -m ensurepip --default-pip && $(BIN)/python -m pip install --quiet --disable-pip-version-check uv; }
	test -x $(BIN)/pip || $(UV) pip install --quiet --python $(BIN)/python pip

# The locked runtime, then the project (editable, built with the locked setuptools);
# a dependency that pyproject.toml names and the lock does not have yet is resolved by uv on top.
$(RUN_STAMP): pyproject.toml requirements.lock | $(UV)
	$(UV_INSTALL) --require-hashes -r requirements.lock
	$(UV_INSTALL) --no-build-isolation -e .
	rm -f $(VENV)/.installed-run-* && touch $(RUN_STAMP)

$(TEST_STAMP): $(RUN_STAMP)
	$(UV_INSTALL) -e ".[test]"
	rm -f $(VENV)/.installed-test-* && touch $(TEST_STAMP)

install: $(TEST_STAMP)

## Embedded default: SQLite in instance/, jobs in-process, all tenants, demo data,
## development sign-in; serves http://127.0.0.1:5000 (PORT=... for another port)
run: $(RUN_STAMP)
	mkdir -p instance
	# samvirke db upgrade, tenants sync, demo load, then samvirke serve: one process, one app start
	$(BIN)/python scripts/first_run.py --serve --host 127.0.0.1 --port $(PORT)

## Every test. Set TEST_DATABASE_URL / TEST_REDIS_URL to run against
## PostgreSQL and Redis (as .ci/run does); otherwise SQLite and in-process jobs.
test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## ruff (lint and format check) and mypy (types), both on the whole tree (configured in pyproject.toml).
lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## The translators' workflow (Babel), for core's catalogue and each plugin's beside its code:
## extract the message ids, merge them into the Danish .po (new ones untranslated), compile.
## Translate in the .po files (Poedit, Weblate); docs/translations.md.
CATALOGUES := core $(patsubst %/__init__.py,%,$(wildcard plugins/*/__init__.py))
translations: $(TEST_STAMP)
	set -e; for package in $(CATALOGUES); do \
	  mkdir -p $$package/translations; \
	  $(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k N_ -k _l -k lazy_gettext -k lazy_ngettext:1,2 --project Samvirke \
	    -o $$package/translations/messages.pot $$package; \
	  if [ -f $$package/translations/da/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i $$package/translations/messages.pot -d $$package/translations -l da; \
	  else \
	    $(BIN)/pybabel init -i $$package/translations/messages.pot -d $$package/translations -l da; \
	  fi; \
	  $(BIN)/pybabel compile --statistics -d $$package/translations -l da; \
	done

clean:
	rm -rf $(VENV) instance .pytest_cache
