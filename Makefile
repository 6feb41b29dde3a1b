# obsc developer commands. `make help` lists them.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup bytecode tools e2e-tools generate check test test-all lint goldens mutation-hints bench clean drawn-fleets routing-oracle drawn-incidents drawn-verify fuzz

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) ## Create .venv and install obsc with its dev tools

# obsc's own bytecode, written even where PYTHONDONTWRITEBYTECODE is set (as on our CI machines): without it
# every `obsc` run compiles the package again (~0.3 s of a cold compile's start). Up-to-date files are kept.
bytecode: setup
	@$(BIN)/python -m compileall -q compiler

tools: ## Put promtool/amtool on PATH (used as found; else installed from Debian, needs root or sudo)
	@scripts/ensure-tools promtool amtool

e2e-tools: ## tools + the servers the end-to-end tests start (prometheus, alertmanager, victoria-metrics, vmalert)
	@scripts/ensure-tools promtool amtool prometheus prometheus-alertmanager victoria-metrics vmalert

generate: setup bytecode tools ## Compile specs/ into generated/ and validate it (the main job)
	$(BIN)/obsc compile specs --out generated

check: setup bytecode ## Fail if generated/ differs from what specs/ compile to
	$(BIN)/obsc check specs --out generated

# Two tiers, decided by a committed list (tests/tiers.py; tests/conftest.py marks those modules and tests/e2e/
# `slow`), never by timing at run time. `make test` is the inner loop: every test but the slow tier (unit, golden,
# error goldens, CLI, schema, property tests at their own counts, promtool and amtool on the examples' output).
# `make test-all` runs every test collected, marked or not: it is what CI runs (.ci/run).
# `TEST_ARGS` goes to pytest (`make test TEST_ARGS='-x tests/test_cli.py'`); `TEST_JOBS=0` runs in one process.
# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set: otherwise every xdist worker rewrites and compiles
# the test modules again (~2 CPU-s each) and every `python -m compiler` child the tests start compiles obsc again
# (~0.2 CPU-s each). On a fresh clone the workers, starting together, each rewrote every test module's asserts
# (pytest's own bytecode, 1.7 CPU-s a process): one collection first fills that cache for all of them.
# loadscope hands out one module at a time, so a module-scoped fixture (started servers, a validated tree) is set
# up once; work stealing split modules and built such fixtures again on another worker. (loadgroup's xdist_group
# marks are ignored by xdist 3.8 under pytest 9.)
CPUS := $(shell $(PY) -c 'import os; print(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))')
TEST_ARGS ?=
PYTEST = env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -q
FILL_BYTECODE = @test -d tests/__pycache__ || $(PYTEST) --collect-only -p no:cacheprovider >/dev/null
# The fast tier is CPU-bound (no servers to wait on): one worker per CPU, each worker's collection (~8 CPU-s)
# paid once a CPU. 2026-12-07 (round 53, 2 CPUs, loaded by other jobs): 3,472 tests, 236 and 249 CPU-s, 14:30 and
# 9:20 wall at load 22-35 and 8-22; quiet, ~2:20 expected (CPU-s / 2, plus test_cli's ~15 CPU-s at the end).
FAST_JOBS ?= $(CPUS)
test: setup e2e-tools lint ## The inner loop, ~2.5 min on 2 CPUs: every test but the slow tier (tests/tiers.py)
	$(FILL_BYTECODE)
	$(PYTEST) -m "not slow" $(if $(filter 0,$(FAST_JOBS)),,-n $(FAST_JOBS) --dist loadscope) $(TEST_ARGS)

# Three pytest workers per CPU: the end-to-end tests mostly wait (Alertmanager group_wait, rule evaluations)
# and the CPU-bound tests fill those waits (2 CPUs, 2026-12-01, in turn: 4 workers 2:46, 6 workers 2:14 and
# 2:10, 8 workers 2:10, for the suite of then). The whole suite, 2026-12-07 (round 52): 2,184 CPU-s, 18:59.
TEST_JOBS ?= $(shell echo $$((3 * $(CPUS))))
test-all: setup e2e-tools lint ## Every test, the slow tier too (promtool replays, sweeps, live servers): what CI runs
	$(FILL_BYTECODE)
	$(PYTEST) $(if $(filter 0,$(TEST_JOBS)),,-n $(TEST_JOBS) --dist loadscope) $(TEST_ARGS)

# Seeded fleets drawn across the spec language, each compiled with validation (tests/drawn_fleets.py), then taken
# through check (another cwd), a second compile (another PYTHONHASHSEED), an edit's check/diff and its incremental
# recompile: one line per seed, `seed<TAB>exit code<TAB>first error<TAB>round-trip problems...`. Exit 1, 70, a
# traceback, an unlocated exit 2 or any round-trip problem is a bug (fails the target); exit 2 with a located
# message may be a fair refusal. Not part of `make test` (~15 CPU-s a fleet; DRAWN_FLAGS=--no-round-trips: ~8).
SEEDS ?= 1-200
DRAWN_JOBS ?= 2
DRAWN_FLAGS ?=
drawn-fleets: setup bytecode tools ## Compile drawn fleets SEEDS=1-200 and round-trip them (check, diff, recompile)
	$(BIN)/python -m tests.drawn_fleets $(SEEDS) --jobs $(DRAWN_JOBS) $(DRAWN_FLAGS)

# The routing tree of drawn fleets against an oracle apart from obsc's route generator (tests/routing_oracle.py):
# amtool on each fleet's alertmanager.yml must send every alert the rules emit to the one receiver the docs
# promise, and a real Alertmanager on it, a seeded half of the alerts firing, must mute exactly what the docs'
# inhibition rules mute. One line per seed: `seed<TAB>label sets asked and alerts posted<TAB>disagreements`.
# Not part of `make test` (~1 CPU-s a fleet; `--no-inhibit` skips Alertmanager).
routing-oracle: setup bytecode e2e-tools ## Check drawn fleets' routing and inhibition against the docs-only oracle SEEDS=1-200
	$(BIN)/python -m tests.routing_oracle $(SEEDS) --jobs $(DRAWN_JOBS)

# Seeded incidents replayed with promtool against one drawn SLO's rules each (tests/drawn_incidents.py): one line
# per seed, `seed<TAB>drawn case<TAB>violations`; fails when any seed breaks an invariant of the SLO math (healthy
# never pages or tickets, an outage pages in time, one incident one page that ends). Seeds from 1000 on may draw a
# platform's own burn-window catalog and several `by:` groups burning, judged per group and tier by promises derived
# from the drawn pairs (tests/drawn_incident_catalogs.py). Seeds from 3000 on also draw 1d and 14d periods, 90%
# objectives, 0.005-500 req/s, 15s-2m scrapes, `le` spellings, vanishing or late buckets and freshness SLOs
# (tests/drawn_incident_periods.py). Seeds from 4000 on draw production shapes (a 1/50 night, restarts mid-burn,
# 10-40m scrape gaps, rolling deploys, a silent group, several SLOs failing together, 0.01-0.05 req/s near the
# budget), each judged also by the service's pages against the verdict an SRE expects
# (tests/drawn_incident_shapes.py). Not part of `make test` (~2-12 CPU-s a seed).
drawn-incidents: setup bytecode tools ## Replay drawn incidents SEEDS=1-100 (1000-: own catalogs; 3000-: periods, scrapes, buckets; 4000-: shapes) against drawn SLOs' rules
	$(BIN)/python -m tests.drawn_incidents $(SEEDS) --jobs $(DRAWN_JOBS)

# Drawn fleets against a real Prometheus holding their series (tests/drawn_verify.py): each service's series are
# drawn as its spec says or with one mismatch (missing bucket, renamed label, stale target, HA copies; counter reset
# and scale-down as healthy), backfilled with promtool, and `obsc verify`'s findings judged against the drawing: one
# line per seed, `seed<TAB>kinds<TAB>violations` (a false ok or a false alarm fails the target). Not part of
# `make test` (~0.15 CPU-s a seed, 25 seeds a server).
drawn-verify: setup bytecode e2e-tools ## Verify drawn fleets against a Prometheus holding drawn series SEEDS=1-200
	$(BIN)/python -m tests.drawn_verify $(SEEDS)

# Seeded mutations of examples/ and specs/, one field or one file each (tests/hostile/spec_fuzz.py): exit 0, or exit 2
# located with nothing written; never 70 or a traceback. The suite runs 13 (~3 CPU-s); 1,000 take ~40 CPU-s.
FUZZ_MUTATIONS ?= 1000
FUZZ_SEED ?= 43
FUZZ_SWEEP ?= 0
fuzz: setup bytecode ## Mutate the spec sets FUZZ_MUTATIONS=1000 times (FUZZ_SEED; FUZZ_SWEEP=1: every PromQL field)
	OBSC_FUZZ_MUTATIONS=$(FUZZ_MUTATIONS) OBSC_FUZZ_SEED=$(FUZZ_SEED) OBSC_FUZZ_SWEEP=$(FUZZ_SWEEP) \
	  env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -q -p no:cacheprovider tests/hostile/test_input_fuzz.py -n $(DRAWN_JOBS)

lint: setup ## ruff + mypy --strict + import-linter (the layering)
	$(BIN)/ruff check compiler tests
	$(BIN)/ruff format --check compiler tests
	$(BIN)/mypy --strict compiler
	$(BIN)/lint-imports --no-logo

goldens: setup ## Refresh golden files after an intended output change (review the git diff!)
	OBSC_UPDATE_GOLDENS=1 $(BIN)/pytest -q tests/test_golden.py tests/test_diff.py tests/test_cli_output.py
	$(BIN)/obsc compile specs --out generated --no-validate

mutation-hints: setup tools ## Refresh tests/mutation_hints.json (each mutant's killing test group) after the generated tests change
	OBSC_UPDATE_MUTATION_HINTS=1 env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -q -p no:cacheprovider -n 2 \
		tests/test_prometheus_mutations.py tests/test_grouped_joins.py tests/test_traffic_stopped.py tests/test_promtool_long.py

bench: setup bytecode e2e-tools ## Benchmarks (compile speed for a 1,000-service fleet)
	$(BIN)/python -m tests.bench.run

clean: ## Remove the venv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
