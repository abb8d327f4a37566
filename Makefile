# Two commands do all set-up on a fresh machine:
#   make demo   starts the app (on the bundled demo session once it exists)
#   make test   runs the whole suite, lint included
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PO := $(wildcard resources/locale/*/LC_MESSAGES/reviewer.po)
MO := $(PO:.po=.mo)

.PHONY: demo test lint catalog extract bench clean bundle test-oldqt screenshots

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
	$(BIN)/ruff check reviewer ui tests benchmarks scripts packaging
	$(BIN)/ruff format --check --quiet reviewer ui tests benchmarks scripts packaging
	$(BIN)/lint-imports
	$(BIN)/mypy

test: $(STAMP) catalog lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n auto

# The practice session lives in the user data folder; built once, then reused.
DEMO_DIR = $$($(BIN)/python -c "import platformdirs; print(platformdirs.user_data_dir('reviewer-workstation'))")/demo

# Bumped when a practice session built by an older version would no longer open, or
# lacks what the app now shows (2: the secretariat's certificate carries its policy and
# reviewers pin it; 3: pack format 2 with video and audio works, reviewer 1 left new).
DEMO_FORMAT := 3

demo: $(STAMP) catalog
	@d="$(DEMO_DIR)"; \
	if [ ! -f "$$d/pack.rvpack" ] || [ "$$(cat "$$d/.demo-format" 2>/dev/null)" != "$(DEMO_FORMAT)" ]; then \
		rm -rf "$$d"; \
		$(BIN)/reviewer demo --out "$$d" --reviewers 3 --candidates 12 --sheets || exit 1; \
		echo "$(DEMO_FORMAT)" > "$$d/.demo-format"; \
	fi; \
	echo "练习评审会 Practice session: $$d — 口令 passphrase: demo"; \
	$(BIN)/reviewer-app --home "$$d/reviewers/1" --pack "$$d/pack.rvpack"

screenshots: $(STAMP) catalog
	xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb $(BIN)/python -m scripts.screenshots zh
	xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb $(BIN)/python -m scripts.screenshots en

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python -m benchmarks.$$(basename $$b .py) || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info resources/locale/*/LC_MESSAGES/*.mo

# The offline bundle (docs/install.md): dist/reviewer-workstation/ and its .tar.gz.
BUNDLE_STAMP := $(VENV)/.bundle-installed
$(BUNDLE_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bundle]'
	touch $(BUNDLE_STAMP)

bundle: $(BUNDLE_STAMP) catalog
	bash packaging/build.sh $(BIN)/python

# The UI tests and the self-test on PySide6 6.9.3 (the glibc-2.28 build), in .venv-qt69.
QT69 := .venv-qt69
$(QT69)/.installed: pyproject.toml packaging/constraints-glibc228.txt packaging/oldqt_requirements.py | $(BIN)/python
	$(PY) -m venv $(QT69)
	$(QT69)/bin/python -m pip install --quiet --upgrade pip
	$(BIN)/python packaging/oldqt_requirements.py test > $(QT69)/requirements.txt
	$(QT69)/bin/python -m pip install --quiet -r $(QT69)/requirements.txt \
		-c packaging/constraints-glibc228.txt
	$(QT69)/bin/python -m pip install --quiet --no-deps -e .
	touch $@

test-oldqt: catalog
	@if ! $(BIN)/python -m pip download --quiet --no-deps -d $(VENV)/.qt69-probe \
		-c packaging/constraints-glibc228.txt shiboken6==6.9.3 >/dev/null 2>&1; then \
		echo "test-oldqt SKIPPED: no PySide6 6.9.3 wheel for this Python/platform" \
		"($$(uname -m)); see docs/install.md"; \
	else \
		$(MAKE) $(QT69)/.installed && \
		$(QT69)/bin/python -c 'import PySide6, PySide6.QtPdfWidgets; print("PySide6", PySide6.__version__)' && \
		QT_QPA_PLATFORM=offscreen $(QT69)/bin/python -m pytest -q -p no:cacheprovider \
			tests/test_ui_*.py tests/test_self_test.py; \
	fi
