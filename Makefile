# AceTray developer commands. `make run` and `make test` set everything up on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: deps setup run serve demo test test-slow test-all bench package clean

# Debian/Ubuntu system packages: Qt's runtime libraries, ffmpeg (the player
# programs the end-to-end tests use), Xvfb and the packaging checkers.
DEBIAN_PACKAGES := ffmpeg \
  libegl1 libgl1 libopengl0 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 \
  libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
  libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxcb-randr0 libxcb-xinerama0 \
  libxcb-xfixes0 libxrender1 fonts-dejavu-core \
  libwayland-client0 libwayland-cursor0 libgssapi-krb5-2 libbrotli1 libssl3 \
  xvfb trayer xdotool desktop-file-utils dpkg-dev nsis
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,fast,package]'
	touch $(STAMP)

deps:                  ## system packages (Debian/Ubuntu; needs root or sudo)
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(DEBIAN_PACKAGES)

setup: $(STAMP)        ## the virtual env with AceTray and its test/packaging tools

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
