# CoverPay developer entry points. The README names two: `make demo` and `make test`.
#   make build        swift build (debug)
#   make demo         local services + build + migrate + topology + fleet + `coverpay demo`
#   make test         local services + a fresh test database and vhost + Swift tests (unit and
#                     integration) + a short chaos run + a short end-to-end run + the leak scan +
#                     Python tests
#   make clean-local  stop everything and delete .local/
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := build

SWIFT ?= swift
PYTHON ?= python3
SERVICES := Deploy/local/services
FLEET := Deploy/local/fleet
BIN := .build/debug
COVERPAY := $(BIN)/coverpay
SWIFT_TEST_LOG := .local/logs/swift-test.log

.PHONY: build demo test clean-local
# The recipes print their own step headers.
.SILENT: demo test clean-local

build:
	$(SWIFT) build

# Services are stopped at the end only when this invocation started them; the fleet always.
# The EXIT trap also runs on Ctrl-C.
demo:
	started_services=0
	$(SERVICES) status >/dev/null 2>&1 || started_services=1
	cleanup() {
	    $(FLEET) stop || true
	    if [[ $$started_services == 1 ]]; then $(SERVICES) stop || true; fi
	}
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	say() { printf '\n==> %s\n' "$$*"; }
	say "services start"; $(SERVICES) start
	eval "$$($(SERVICES) env)"
	say "swift build"; $(SWIFT) build
	say "coverpay migrate"; $(COVERPAY) migrate
	say "coverpay topology apply"; $(COVERPAY) topology apply
	say "fleet start"; $(FLEET) start
	say "coverpay demo"; $(COVERPAY) demo
	say "coverpay status"; $(COVERPAY) status

# Every step runs when it can (a failed build skips only what needs the build); cleanup and the
# summary always happen; the exit status is non-zero when any step failed.
test:
	results=()
	failed=0
	started_services=0
	pass() { results+=("PASS  $$1"); }
	fail() { results+=("FAIL  $$1"); failed=1; }
	skip() { results+=("SKIP  $$1 ($$2)"); }
	step() {
	    local name="$$1"; shift
	    printf '\n==> %s\n' "$$name"
	    if "$$@"; then pass "$$name"; else fail "$$name (exit $$?)"; return 1; fi
	}
	pip_install() {
	    export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
	    $(PYTHON) -m pip install -q -r tests/python/requirements.txt \
	        || $(PYTHON) -m pip install -q --break-system-packages -r tests/python/requirements.txt
	}
	# Every run gets a fresh, empty coverpay_test database and vhost (the demo's data is untouched).
	use_testbed() { local lines; lines="$$($(SERVICES) testbed)" || return 1; eval "$$lines"; }
	swift_test() { $(SWIFT) test --skip-build --no-parallel 2>&1 | tee $(SWIFT_TEST_LOG); }
	compose_client() {
	    command -v docker-compose >/dev/null 2>&1 && return 0
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
	}
	cleanup() {
	    local status=$$?
	    printf '\n==> cleanup\n'
	    $(FLEET) stop || true
	    if [[ $$started_services == 1 ]]; then $(SERVICES) stop || true; fi
	    printf '\n==> summary\n'
	    printf '  %s\n' "$${results[@]}"
	    # CI shows only the tail of the output: repeat what failed where it will be seen.
	    if [[ -s $(SWIFT_TEST_LOG) ]] && grep -q '✘' $(SWIFT_TEST_LOG); then
	        printf '\n  swift test failures (full log: $(SWIFT_TEST_LOG)):\n'
	        grep '✘' $(SWIFT_TEST_LOG) | cut -c1-400 | head -40 | sed 's/^/    /'
	    fi
	    if [[ $$failed == 0 && $$status == 0 ]]; then echo "make test: all steps passed"; else echo "make test: FAILED"; fi
	    [[ $$failed == 0 ]] || exit 1
	    exit $$status
	}
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	$(SERVICES) status >/dev/null 2>&1 || started_services=1
	services_ok=0; build_ok=0
	rm -f $(SWIFT_TEST_LOG)
	step "services start" $(SERVICES) start && services_ok=1
	if [[ $$services_ok == 1 ]]; then
	    step "services testbed" use_testbed || services_ok=0
	else
	    skip "services testbed" "services did not start"
	fi
	step "swift build --build-tests" $(SWIFT) build --build-tests && build_ok=1
	if [[ $$services_ok == 1 && $$build_ok == 1 ]]; then
	    step "coverpay migrate" $(COVERPAY) migrate || true
	    step "coverpay topology apply" $(COVERPAY) topology apply || true
	else
	    skip "coverpay migrate + topology apply" "services or build failed"
	fi
	if [[ $$build_ok == 1 ]]; then
	    # --no-parallel: the live suites start workers that consume the same queues.
	    mkdir -p "$$(dirname $(SWIFT_TEST_LOG))"
	    step "swift test" swift_test || true
	else
	    skip "swift test" "build failed"
	fi
	if [[ $$services_ok == 1 && $$build_ok == 1 ]]; then
	    # The short chaos run (docs/reliability.md): two replicas of every worker through billing
	    # days while workers are killed, the broker restarted and the database crashed; audited.
	    step "coverpay chaos (short)" $(COVERPAY) chaos --runs 1 --policies 20 --days 16 --fault-interval 4 --settle-timeout 180 || true
	    $(FLEET) stop >/dev/null 2>&1 || true
	    # The short end-to-end run (docs/operations.md): two replicas of every worker, no faults,
	    # two monthly installments through the sandbox bank, GL sync to the fake QuickBooks; audited.
	    step "coverpay e2e (short)" $(COVERPAY) e2e --policies 30 --days 50 --settle-timeout 180 --gl-timeout 180 || true
	    $(FLEET) stop >/dev/null 2>&1 || true
	    # The leak scan (docs/security.md) over what the suites, the chaos and e2e runs left: every text
	    # column, the dead letters, the logs and bank files under .local/ (not the ACH outbound folder).
	    # swift-test.log is the test runner's transcript, which prints the card numbers the unit tests feed the scanners.
	    step "coverpay scan leaks" $(COVERPAY) scan leaks --accounts Tests/sandbox-accounts.txt --exclude $(SWIFT_TEST_LOG) || true
	else
	    skip "coverpay chaos (short)" "services or build failed"
	    skip "coverpay e2e (short)" "services or build failed"
	    skip "coverpay scan leaks" "services or build failed"
	fi
	step "docker-compose client" compose_client || true
	if step "pip install tests/python/requirements.txt" pip_install; then
	    export COVERPAY_REQUIRE_COMPOSE=1
	    step "pytest tests/python" $(PYTHON) -m pytest tests/python -q || true
	else
	    skip "pytest tests/python" "pip install failed"
	fi

clean-local:
	echo "==> stopping the fleet and the local services, removing .local/"
	$(FLEET) stop || true
	$(SERVICES) stop || true
	for dir in .local/postgres .local/rabbitmq; do
	    if [[ -L $$dir ]]; then
	        target="$$(readlink -f "$$dir")"
	        rm -rf "$$target"
	        rmdir --ignore-fail-on-non-empty "$$(dirname "$$target")"
	    fi
	done
	rm -rf .local
