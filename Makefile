# Two commands for a fresh Debian/Ubuntu machine:
#   make run    set up a local virtual environment and launch the app on its default experiment
#   make test   set up the same environment, add PyTorch CPU when it installs (one test runs an
#               exported script with it), and run the whole test suite; .ci/run runs exactly this
# Afterwards `. .venv/bin/activate` puts `nn-playground` (and the environment's python) on PATH.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
TORCH   = $(VENV)/.torch-tried

.PHONY: setup run test bench sysdeps clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) -m engine.warmup
	@rm -f $(VENV)/.installed-*; touch $@

setup: $(STAMP)

# Tried once per installation; without it the PyTorch export tests are skipped.
$(TORCH): $(STAMP)
	@$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet -e ".[torch]" \
	  || echo "PyTorch (torch==2.13.0) could not be installed: the PyTorch export tests will be skipped (rm $(TORCH) to try again)"
	@touch $@

# Debian packages a bare machine needs for a real Qt window (xcb) and a virtual screen.
sysdeps:
	@bash scripts/sysdeps.sh

run: $(STAMP)
	@bash scripts/launch.sh $(PY) main.py

test: $(TORCH)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache
