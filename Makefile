# Two commands do all set-up on a fresh machine:
#   make demo   starts the app (on the bundled demo session once it exists)
#   make test   runs the whole suite, lint included
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PO := $(wildcard resources/locale/*/LC_MESSAGES/reviewer.po)
MO := $(PO:.po=.mo)

.PHONY: demo test lint catalog extract bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -D reviewer -i $< -o $@

catalog: $(MO)

# Regenerate the template and merge it into each language (developers run this).
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --omit-header \
		-o resources/locale/reviewer.pot reviewer ui
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i resources/locale/reviewer.pot \
		-d resources/locale -D reviewer

lint: $(STAMP)
	$(BIN)/ruff check reviewer ui tests benchmarks
	$(BIN)/lint-imports

test: $(STAMP) catalog lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

demo: $(STAMP) catalog
	$(BIN)/reviewer-app

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info resources/locale/*/LC_MESSAGES/*.mo
