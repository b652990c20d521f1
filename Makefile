# The two commands (see README.md):
#   make run    build and run the chat example on http://127.0.0.1:8080/
#   make test   every test under clang++ ASan+UBSan, and the threaded ones under TSan (≤ 15 min)
#   make check  the full matrix, what CI runs: clang-tidy, g++ and clang++, every
#               sanitizer, fuzz smoke runs, packaging (≤ 40 min)
# All three install missing Debian packages first.

JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: run test check deps test-tidy test-gcc test-asan test-gcc-asan test-tsan test-gcc-tsan clean

deps:
	@scripts/install-deps.sh

run: deps
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DRINGKIT_BUILD_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build build/release -j$(JOBS) --target chat
	@echo "open http://127.0.0.1:8080/ in two browser tabs (Ctrl-C stops the server)"
	build/release/examples/chat --port 8080

test: deps
	scripts/run-tests.sh test

check: deps
	scripts/run-tests.sh check

test-tidy test-gcc test-asan test-gcc-asan test-tsan test-gcc-tsan: deps
	scripts/run-tests.sh $(@:test-%=%)

clean:
	rm -rf build
