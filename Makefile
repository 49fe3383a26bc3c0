# The two commands a newcomer needs: `make run` and `make test`.
# Each does all of its own set-up (a virtual environment in .venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test lint install translations clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[test]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## Embedded default: SQLite in instance/, jobs in-process, all tenants, demo data,
## development sign-in; serves http://127.0.0.1:5000
run: install
	mkdir -p instance
	$(BIN)/samvirke db upgrade
	$(BIN)/samvirke tenants sync
	$(BIN)/samvirke demo load
	$(BIN)/samvirke serve --host 127.0.0.1 --port 5000

## Every test. Set TEST_DATABASE_URL / TEST_REDIS_URL to run against
## PostgreSQL and Redis (as .ci/run does); otherwise SQLite and in-process jobs.
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## ruff: lint and format check of the whole tree (configured in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Extract the UI texts and rebuild the Danish catalogue (core/translations).
translations: install
	$(BIN)/pybabel extract --no-location -F babel.cfg -k N_ -o core/translations/messages.pot .
	$(BIN)/python scripts/translate_da.py core/translations/messages.pot \
		core/translations/da/LC_MESSAGES/messages.po core/translations/da/LC_MESSAGES/messages.mo

clean:
	rm -rf $(VENV) instance .pytest_cache
