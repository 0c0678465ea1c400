# Thin wrapper over CMake. `make demo` and `make test` each do all set-up themselves.
BUILD    ?= build
SANITIZE ?= 0
JOBS     ?= $(shell nproc)
CTEST_ARGS ?=

ifeq ($(SANITIZE),1)
  BUILD := $(BUILD)-asan
  CMAKE_FLAGS += -DDNASYNC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
endif

.PHONY: all deps build test demo bench fuzz scale install clean format

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

demo: build
	@scripts/demo.sh $(BUILD)/dnasync

bench: build
	@scripts/bench.sh $(BUILD)

# libFuzzer runs of tests/fuzz (clang, build-fuzz/); FUZZ_RUNS=N per target (docs/fuzz.md).
fuzz: deps
	@scripts/fuzz.sh

# The multi-host scenarios (root, ~25 min; docs/scale.md). SCALE_ARGS=... goes to scale.py.
scale: build
	@scripts/scale.sh $(BUILD) $(SCALE_ARGS)

install: build
	cmake --install $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h' '*.cpp')

clean:
	rm -rf build build-asan build-fuzz
