# Switchyard -- the two commands: `make run` and `make test`.
#
# Both install what is missing (scripts/setup.sh), configure and build into
# build/ (kept between runs, so llama.cpp compiles once), then serve or test.
BUILD := build
JOBS  ?= $(shell nproc)
ARGS  ?=

.PHONY: all setup build run test bench fuzz clean

all: build

setup:
	@scripts/setup.sh

$(BUILD)/CMakeCache.txt: CMakeLists.txt | setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: setup $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/switchyard serve $(ARGS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

bench: build
	@$(BUILD)/bench_llama $(ARGS)
	@echo
	@$(BUILD)/bench_concurrency $(ARGS)
	@echo
	@$(BUILD)/bench_providers $(ARGS)
	@echo
	@$(BUILD)/bench_speech

# libFuzzer targets (tests/fuzz), 60 s each; FUZZ_SECONDS=600 make fuzz for longer.
fuzz: build
	@scripts/fuzz.sh $(or $(FUZZ_SECONDS),60)

clean:
	rm -rf $(BUILD)
