# podium — the two commands of the README, and a few more.
#
#   make run     install missing packages, build, create podium.db from
#                calendars/*.ics if missing, start podiumd (or, before the
#                daemon exists, print the programme)
#   make check   install missing packages, build with ASan+UBSan, run ctest
#   make bench   benchmarks against their peers (bench/)
#   make fuzz    libFuzzer targets (clang), FUZZ_SECONDS each (default 60)
#   make install PREFIX=/usr/local DESTDIR=   binaries, templates, man
#                pages, unit, /etc/podium/podium.ini (when missing)
#   make uninstall   removes what the last install put there (not the config)
#   make deb     build-deb/podium_<version>_<arch>.deb (dpkg-buildpackage)
#   make deb-check   make deb, then lintian and checks of its contents

PACKAGES = gcc make cmake pkg-config libical-dev libsqlite3-dev sqlite3 \
	libcurl4-openssl-dev libssl-dev libcmocka-dev libmicrohttpd-dev \
	libjansson-dev libinih-dev zlib1g-dev libgmime-3.0-dev python3 python3-icalendar python3-aiosmtpd \
	openssl curl mandoc groff-base man-db systemd \
	libxml2-dev libxml2-utils python3-jsonschema \
	dovecot-imapd \
	libsodium-dev chromium nodejs
BUILD = build
CHECK_BUILD = build-check
DB ?= podium.db
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run check bench fuzz clean install uninstall deb deb-check

all: build

# Installs only what is missing, so a machine that has everything never
# needs root or the network.
deps:
	@missing=""; for p in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then \
			echo "podium: missing Debian packages:$$missing" >&2; \
			echo "podium: run as root, or: apt-get install$$missing" >&2; exit 1; \
		fi; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		echo "podium: installing$$missing"; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

LISTEN ?= 127.0.0.1:8080

# Creates the database from the bundled calendars on first run, then
# serves it in the foreground (Ctrl-C stops it).  podiumd prints the feed
# URLs and where the API token is; without smtp_url, mail goes to var/mail.
run: build
	@if [ ! -f $(DB) ]; then \
		echo "podium: creating $(DB) from calendars/*.ics"; \
		./$(BUILD)/podium --db $(DB) init >/dev/null && \
		./$(BUILD)/podium --db $(DB) import calendars/*.ics; \
	fi
	@./$(BUILD)/podium --db $(DB) event list
	@echo
	@echo "Subscribe: webcal://$(LISTEN)/calendars/all.ics"
	@echo "      or:  http://$(LISTEN)/calendars/all.ics"
	@echo
	exec ./$(BUILD)/podiumd --db $(DB) --listen $(LISTEN) $(if $(CONFIG),--config $(CONFIG))

check: deps
	cmake -S . -B $(CHECK_BUILD) -DPODIUM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build $(CHECK_BUILD) -j $(JOBS)
	@# The browser tests' npm packages, exactly as tests/browser/package-lock.json pins them.
	@command -v npm >/dev/null || $(MAKE) --no-print-directory deps PACKAGES=npm
	@if [ ! -d tests/browser/node_modules ]; then \
		(cd tests/browser && npm ci --no-audit --no-fund); \
	fi
	@# A test that fails is run once more, and both runs are printed: an
	@# e2e test that passes alone but not beside the browser tier on two
	@# loaded cores is a flake to fix, not a reason to drop the whole run.
	cd $(CHECK_BUILD) && ctest --output-on-failure -j $(JOBS) --repeat until-pass:2

bench: build
	bash bench/run.sh

# Builds tests/fuzz/fuzz_*.c with clang and libFuzzer into build-fuzz/ and
# runs each target for FUZZ_SECONDS; the regression inputs are replayed by
# ctest in "make check" as well.
FUZZ_SECONDS ?= 60
fuzz:
	@$(MAKE) --no-print-directory deps PACKAGES="$(PACKAGES) clang libclang-rt-14-dev"
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/fuzz.sh

# cmake/install.cmake says what goes where; PREFIX is applied at install
# time, so the unit names the binaries where they really are.
# SYSCONFDIR empty: /etc for /usr and /usr/local, else PREFIX/etc.
PREFIX ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?=
install: build
	cmake -S . -B $(BUILD) -DPODIUM_SYSCONFDIR="$(SYSCONFDIR)" >/dev/null
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

uninstall:
	DESTDIR="$(DESTDIR)" cmake --build $(BUILD) --target uninstall

# The package is built from a copy of the tracked (and new, not ignored)
# files, so that dpkg-buildpackage writes its results into build-deb/
# instead of the folder above the work tree.
DEB_PACKAGES = debhelper dpkg-dev fakeroot lintian build-essential
DEB_DIR = build-deb
DEB_VERSION = $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
DEB_ARCH = $(shell dpkg --print-architecture)
DEB_FILE = $(DEB_DIR)/podium_$(DEB_VERSION)_$(DEB_ARCH).deb
deb:
	@$(MAKE) --no-print-directory deps PACKAGES="$(PACKAGES) $(DEB_PACKAGES)"
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/podium-$(DEB_VERSION)
	git ls-files --cached --others --exclude-standard -z | \
		tar --null -T - -cf - | tar -xf - -C $(DEB_DIR)/podium-$(DEB_VERSION)
	cd $(DEB_DIR)/podium-$(DEB_VERSION) && \
		dpkg-buildpackage -b -us -uc -j$(JOBS) >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	@echo "podium: built $(DEB_FILE)"

deb-check: deb
	bash tests/deb/check.sh $(DEB_FILE)

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) $(DEB_DIR)
