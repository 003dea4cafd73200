# samplevec: the two commands a producer needs are `make demo` and `make test`.
# Everything else here serves them.
BUILD      ?= build
BUILD_ASAN ?= build-asan
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS  += --no-print-directory
DEMO_DIR   ?= $(BUILD)/demo

.PHONY: all deps test-deps build demo test test-release test-asan test-clone install clean bench

all: build

deps:
	@scripts/deps.sh
	@scripts/fetch-vocab.sh

test-deps: deps
	@scripts/test-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)/samplevec $(DEMO_DIR)

# The normal build's tests, then the same tests under ASan+UBSan; CTest's summary closes the output.
test: test-deps test-release test-asan

test-release: build
	@cd $(BUILD) && $(CURDIR)/scripts/test-lock.sh ctest --output-on-failure -j$(JOBS)

test-asan: deps
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DSAMPLEVEC_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD_ASAN) -j$(JOBS)
	@cd $(BUILD_ASAN) && $(CURDIR)/scripts/test-lock.sh ctest --output-on-failure -j$(JOBS) -LE no_asan

# `make test` in a fresh clone of the committed tree, in a temporary directory with nothing
# beside it: proves that the repository stands alone (no sibling folders, no local builds).
test-clone:
	@scripts/test-clean-clone.sh

install: build
	@install -d $(DESTDIR)$(PREFIX)/bin
	@install -m 755 $(BUILD)/samplevec $(DESTDIR)$(PREFIX)/bin/samplevec
	@if [ -f build/vocab/cl100k_base.json ]; then install -d $(DESTDIR)$(PREFIX)/share/samplevec && \
	  install -m 644 build/vocab/cl100k_base.json $(DESTDIR)$(PREFIX)/share/samplevec/; fi
	@echo "installed $(DESTDIR)$(PREFIX)/bin/samplevec"

bench: build
	@bench/embed_local.sh
	@scripts/test-deps.sh
	@bench/remote.sh

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
