# AceTray developer commands. `make run` and `make test` set everything up on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup run serve demo test test-slow test-all bench package clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,fast,package]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)          ## the tray app
	$(VENV)/bin/acetray

serve: $(STAMP)        ## the proxy alone, headless, against the saved engine URL
	$(VENV)/bin/acetray serve

demo: $(STAMP)         ## the proxy alone with the built-in demo engine
	$(VENV)/bin/acetray serve --demo

test: $(STAMP)         ## the default suite (no slow tests), headless
	$(PY) -m pytest -q

test-slow: $(STAMP)    ## stress tests and the frozen-build smoke test
	$(PY) -m pytest -q -m slow

test-all: test test-slow

bench: $(STAMP)        ## throughput / CPU / latency / memory figures (prints, does not assert)
	$(PY) tests/bench/bench_proxy.py

package: $(STAMP)      ## PyInstaller bundle + Linux .deb into dist/
	bash packaging/build.sh

clean:
	rm -rf build dist $(VENV) .pytest_cache
