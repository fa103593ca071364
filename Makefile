# Two commands do all set-up: `make run` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed


.PHONY: run test lint bench clean messages installer installer-test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/antq open-demo

test: $(STAMP)
	$(BIN)/ruff check .
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q

# Every benchmark at 10k, 100k and 300k people and the province (BENCH=--quick: small sizes;
# BENCH=--full-province-import: the 45 communes' import at the whole province, +10 min);
# the databases are built once into a temporary folder removed at the end.
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/benchmarks/run_all.py $(BENCH)

# Translations: extract the strings of desktop/ into resources/translations, merge them into
# the vi (identity) and en catalogs, compile the .mo files and Qt's qtbase_vi.qm. New English
# entries are left empty for a person to translate (the test suite lists them).
messages: $(STAMP)
	$(BIN)/python -m desktop.i18n_catalogs update || true
	$(BIN)/pyside6-lrelease -silent resources/translations/qtbase_vi.ts -qm resources/translations/qtbase_vi.qm

# The one-folder frozen program in dist/antq (PyInstaller from PyPI into the venv).
installer: $(STAMP)
	$(BIN)/pip install --quiet 'pyinstaller>=6.10,<7'
	rm -rf build/installer dist/antq
	@start=$$(date +%s); $(BIN)/pyinstaller --noconfirm --clean --log-level WARN \
		--workpath build/installer --distpath dist build_installer.spec \
		&& echo "build time: $$(( $$(date +%s) - start )) s"
	@du -sh dist/antq | sed 's/^/installer size: /'
	@tar -C dist -czf dist/antq-linux.tgz antq && du -sh dist/antq-linux.tgz | sed 's/^/compressed: /'

# Builds the installer, then starts the frozen program offscreen (tests/test_installer.py).
installer-test: installer
	ANTQ_TEST_INSTALLER=1 QT_QPA_PLATFORM=offscreen $(BIN)/pytest -q tests/test_installer.py

clean:
	rm -rf $(VENV) build dist *.egg-info
