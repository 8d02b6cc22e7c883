# podium — the two commands of the README, and a few more.
#
#   make run     install missing packages, build, create podium.db from
#                calendars/*.ics if missing, start podiumd (or, before the
#                daemon exists, print the programme)
#   make check   install missing packages, build with ASan+UBSan, run ctest
#   make bench   benchmarks against their peers (bench/)
#   make fuzz    libFuzzer targets (clang), FUZZ_SECONDS each (default 60)

PACKAGES = gcc make cmake pkg-config libical-dev libsqlite3-dev sqlite3 \
	libcurl4-openssl-dev libssl-dev libcmocka-dev libmicrohttpd-dev \
	libjansson-dev libinih-dev zlib1g-dev libgmime-3.0-dev python3 python3-icalendar python3-aiosmtpd \
	openssl curl libsodium-dev chromium nodejs
BUILD = build
CHECK_BUILD = build-check
DB ?= podium.db
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run check bench fuzz clean

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
	cd $(CHECK_BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	bash bench/run.sh

# Builds tests/fuzz/fuzz_*.c with clang and libFuzzer into build-fuzz/ and
# runs each target for FUZZ_SECONDS; the regression inputs are replayed by
# ctest in "make check" as well.
FUZZ_SECONDS ?= 60
fuzz:
	@$(MAKE) --no-print-directory deps PACKAGES="$(PACKAGES) clang libclang-rt-14-dev"
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/fuzz.sh

clean:
	rm -rf $(BUILD) $(CHECK_BUILD)
