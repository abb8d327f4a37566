# Two commands do all set-up on a fresh machine:
#   make demo   starts the app (on the bundled demo session once it exists)
#   make test   runs the whole suite, lint included
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PO := $(wildcard resources/locale/*/LC_MESSAGES/reviewer.po)
MO := $(PO:.po=.mo)

.PHONY: demo test lint catalog extract bench clean screenshots

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

# The practice session lives in the user data folder; built once, then reused.
DEMO_DIR = $$($(BIN)/python -c "import platformdirs; print(platformdirs.user_data_dir('reviewer-workstation'))")/demo

demo: $(STAMP) catalog
	@d="$(DEMO_DIR)"; \
	if [ ! -f "$$d/pack.rvpack" ]; then \
		rm -rf "$$d"; \
		$(BIN)/reviewer demo --out "$$d" --reviewers 3 --candidates 12 --sheets || exit 1; \
	fi; \
	echo "Practice session in $$d — the passphrase is: demo"; \
	$(BIN)/reviewer-app --home "$$d/reviewers/1" --pack "$$d/pack.rvpack"

screenshots: $(STAMP) catalog
	xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb $(BIN)/python scripts/screenshots.py zh
	xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb $(BIN)/python scripts/screenshots.py en

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python -m benchmarks.$$(basename $$b .py) || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info resources/locale/*/LC_MESSAGES/*.mo
