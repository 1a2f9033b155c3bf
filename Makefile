# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in notices point at the address the app is served at (an exported
# PUBLIC_URL wins, e.g. behind a proxy).
PUBLIC_URL ?= http://$(HOST):$(PORT)
# Two pytest workers on this project's 2-core machines; override with JOBS=n.
JOBS ?= 2

.PHONY: run test lint db demo serve clean translations messages bench

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

db: $(VENV)/.runtime
	$(FLASK) db upgrade

demo: db
	PUBLIC_URL=$(PUBLIC_URL) $(FLASK) demo load  # its endorsement links too

## Set up the app on SQLite with demo data and serve it at http://127.0.0.1:5000
run: demo translations
	PUBLIC_URL=$(PUBLIC_URL) $(FLASK) run --host $(HOST) --port $(PORT)

## Lint, then the whole test suite (on PostgreSQL when TEST_DATABASE_URL is set)
test: lint translations
	$(BIN)/pytest -n $(JOBS) $(PYTEST_ARGS)

## Ruff, and bandit's security scan (medium and high findings fail; each # nosec says why)
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r awards_app workflows judging -ll

## Production-style server on the same database
serve: db translations
	PUBLIC_URL=$(PUBLIC_URL) $(BIN)/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT) wsgi:app

## Compile the French and Spanish catalogues (the .mo files are built, never committed)
translations: $(VENV)/.runtime
	$(BIN)/pybabel -q compile -d awards_app/translations

# The pages' own strings (_, _l, lazy_gettext), and the messages of services and
# workflows, marked with N_() (gettext's default keywords include it) and shown
# translated by i18n.rule_message.
MESSAGE_KEYWORDS := -k _l -k lazy_gettext

## Re-extract messages and merge them into the catalogues (then translate the new ones)
messages: $(VENV)/.runtime
	$(BIN)/pybabel extract -F babel.cfg $(MESSAGE_KEYWORDS) --add-comments=TRANSLATORS: -o awards_app/translations/messages.pot .
	$(BIN)/pybabel update -i awards_app/translations/messages.pot -d awards_app/translations

# Locust (the live-ESI mix) and what it pulls, on top of the test tools.
$(VENV)/.bench: requirements-bench.txt $(VENV)/.dev
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

## The benchmark suite (issue 11): builds the N=10 data set on PostgreSQL once, writes BENCHMARKS.md
bench: $(VENV)/.bench translations
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
