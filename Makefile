# Two commands for a fresh Debian/Ubuntu machine:
#   make run    set up a local virtual environment and launch the app on its default experiment
#   make test   set up the same environment and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup run test bench sysdeps clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) -m engine.warmup
	@rm -f $(VENV)/.installed-*; touch $@

setup: $(STAMP)

# Debian packages a bare machine needs for a real Qt window (xcb) and a virtual screen.
sysdeps:
	@bash scripts/sysdeps.sh

run: $(STAMP)
	@bash scripts/launch.sh $(PY) main.py

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache
