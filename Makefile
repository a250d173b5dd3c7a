# synack top-level entry points. See README.md.
#   make demo    build and run the canonical scenario in the simulator (no root needed)
#   make check   install missing Debian packages, build, run every test (plain + ASan/UBSan + fuzz smoke)
#   make bench   run the benchmarks with Linux's figures from the same run
#   make fuzz    run the libFuzzer targets for a long time

JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
WERROR   := $(if $(CI),ON,OFF)
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 30
FUZZ_LONG_SECONDS ?= 600

.PHONY: all deps build build-asan build-fuzz demo check check-layers test test-asan fuzz-smoke fuzz bench install clean

all: build

deps:
	@scripts/install-deps.sh

build:
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNACK_WERROR=$(WERROR) $(CMAKE_FLAGS) >/dev/null
	cmake --build build -j $(JOBS)

build-asan:
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSYNACK_SANITIZE=ON -DSYNACK_WERROR=$(WERROR) $(CMAKE_FLAGS) >/dev/null
	cmake --build build-asan -j $(JOBS)

build-fuzz:
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DSYNACK_SANITIZE=ON -DSYNACK_FUZZ=ON -DSYNACK_WERROR=OFF >/dev/null
	cmake --build build-fuzz -j $(JOBS)

demo:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory build >/dev/null
	build/synack demo

check-layers:
	python3 scripts/layercheck.py

# ctest runs JOBS + 1 tests at once but only JOBS of them take a "cpu" (RESOURCE_GROUPS,
# tests/CMakeLists.txt): the one that takes none, sh_interop_faults, mostly waits on the
# network for minutes and so no longer holds a CPU-bound test's slot.
CTEST = ctest --output-on-failure -j $$(($(JOBS) + 1)) --resource-spec-file ctest-cpus.json
CPUS_JSON = '{"version":{"major":1,"minor":0},"local":[{"cpu":[{"id":"0","slots":$(JOBS)}]}]}'

# A failed interop run keeps its captures and logs (tests/interop/lib.sh); the list of
# this run's is printed when ctest fails.
test: build
	@touch build/.ctest-start
	@echo $(CPUS_JSON) >build/ctest-cpus.json
	(cd build && $(CTEST)) || \
		{ tests/interop/failures.sh build build/.ctest-start; exit 1; }

test-asan: build-asan
	@touch build-asan/.ctest-start
	@echo $(CPUS_JSON) >build-asan/ctest-cpus.json
	(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(CTEST)) || \
		{ tests/interop/failures.sh build-asan build-asan/.ctest-start; exit 1; }

fuzz-smoke: build-fuzz
	scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

fuzz: build-fuzz
	scripts/fuzz.sh build-fuzz $(FUZZ_LONG_SECONDS)

check: deps
	$(MAKE) --no-print-directory check-layers
	$(MAKE) --no-print-directory test
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory fuzz-smoke

bench: deps build
	scripts/bench.sh

install: build
	cmake --install build

clean:
	rm -rf build build-asan build-fuzz
