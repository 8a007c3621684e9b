# AceTray developer commands. On a fresh Debian/Ubuntu machine `make run` and `make test`
# each do their own set-up first: the system packages that target needs (only the missing
# ones; apt-get, with sudo when not root), the virtual env, the editable install.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
SYSPKG := bash packaging/system_packages.sh
# Extra pytest arguments for test/test-slow, e.g. PYTEST_ARGS='-k fanout -x'.
PYTEST_ARGS ?=

.PHONY: deps setup run serve demo lint test test-slow test-all bench bench-all package clean \
        sys-run sys-test sys-bench sys-test-slow sys-package
# One apt or pip at a time, whatever -j says.
.NOTPARALLEL:
# A recipe that fails leaves no half-made venv or stamp behind for the next run to trust.
.DELETE_ON_ERROR:

# --- Debian/Ubuntu system packages, per target -------------------------------------------
# Qt's runtime libraries (enough for the offscreen platform the tests use) and a font.
QT_DEBS := libegl1 libgl1 libopengl0 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 \
  libxkbcommon0 libgssapi-krb5-2 libbrotli1 libssl3 fonts-dejavu-core
# Qt's xcb (and wayland) platform plugins, for a real display: `make run`.
QT_DISPLAY_DEBS := libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
  libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxcb-randr0 libxcb-xinerama0 \
  libxcb-xfixes0 libxrender1 libwayland-client0 libwayland-cursor0
RUN_DEBS  := $(QT_DEBS) $(QT_DISPLAY_DEBS)
# The default suite: Qt offscreen, real players (ffmpeg/ffprobe, mpv), a browser for
# the phone page (chromium driven through chromium-driver), the XMLTV validator
# (xmltv-util's tv_validate_file) that /epg.xml must pass, and SiliconDust's
# hdhomerun_config and libhdhomerun, the reference the network tuner is checked against.
TEST_DEBS := $(QT_DEBS) ffmpeg mpv chromium chromium-driver xmltv-util \
             hdhomerun-config libhdhomerun4
# `make package`: dpkg-shlibdeps, desktop-file-validate, makensis (the Windows script's
# check); lintian only when asked for with LINTIAN=1.
PACKAGE_DEBS := dpkg-dev desktop-file-utils nsis $(if $(filter 1,$(LINTIAN)),lintian)
# The slow suite: the default suite's, plus the frozen build and its tray on a real X
# display (Xvfb with trayer's tray, found with xdotool).
SLOW_DEBS := $(TEST_DEBS) $(PACKAGE_DEBS) $(QT_DISPLAY_DEBS) xvfb trayer xdotool

sys-run:       ; @$(SYSPKG) $(RUN_DEBS)
sys-test:      ; @$(SYSPKG) $(TEST_DEBS)
sys-bench:     ; @$(SYSPKG) $(QT_DEBS)
sys-test-slow: ; @$(SYSPKG) $(SLOW_DEBS)
sys-package:   ; @$(SYSPKG) $(PACKAGE_DEBS)

deps:                  ## every target's system packages at once (optional: each target installs its own)
	@$(SYSPKG) $(sort $(RUN_DEBS) $(SLOW_DEBS))

# --- The virtual env: one env, one stamp per set of extras, redone when pyproject changes -
$(PY):
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || $(SYSPKG) python3-venv \
	  "python$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[fast]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test,fast]'
	touch $@

$(VENV)/.installed-package: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test,fast,package]'
	touch $@

setup: $(VENV)/.installed-package  ## the virtual env with every extra (optional: each target makes its own)

# --- Targets -------------------------------------------------------------------------------
run: sys-run $(VENV)/.installed-app            ## the tray app
	$(VENV)/bin/acetray

serve: $(VENV)/.installed-app                  ## the proxy alone, headless, against the saved engine URL (no Qt)
	$(VENV)/bin/acetray serve

demo: $(VENV)/.installed-app                   ## the proxy alone with the built-in demo engine (no Qt)
	$(VENV)/bin/acetray serve --demo

lint: $(VENV)/.installed-test                  ## ruff (lint + format check) and mypy, settings in pyproject.toml
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: sys-test $(VENV)/.installed-test lint    ## lint, then the default suite (no slow tests), headless
	$(PY) -m pytest -q $(PYTEST_ARGS)

test-slow: sys-test-slow $(VENV)/.installed-package  ## stress tests and the frozen-build smoke test
	$(PY) -m pytest -q -m slow -n 0 $(PYTEST_ARGS)

test-all: test test-slow

bench: sys-bench $(VENV)/.installed-test       ## throughput / CPU / latency / memory figures (prints, does not assert)
	$(PY) tests/bench/bench_proxy.py

bench-all: sys-bench $(VENV)/.installed-test   ## every figure in the README's Performance table (~10 min; a quiet machine)
	$(PY) tests/bench/bench_proxy.py --mode unpaced --players 50
	$(PY) tests/bench/bench_proxy.py --mode paced --rate 1000000 --players 10 --seconds 20 --no-probes
	$(PY) tests/bench/bench_zap.py
	$(PY) tests/bench/bench_warm.py
	$(PY) tests/bench/bench_hls_players.py
	$(PY) tests/bench/bench_memory.py
	$(PY) tests/bench/bench_idle.py --case tray-unreachable,tray-demo
	$(PY) tests/bench/bench_big_playlist.py
	$(PY) tests/bench/bench_guide.py
	$(PY) tests/bench/bench_failover.py

package: sys-package $(VENV)/.installed-package  ## PyInstaller bundle + Linux .deb into dist/
	bash packaging/build.sh

clean:
	rm -rf build dist $(VENV) .pytest_cache
