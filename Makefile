# The two commands (see README.md):
#   make run    build and run the chat example on http://127.0.0.1:8080/
#   make test   clang-tidy, then every test with g++ and clang++: plain, ASan+UBSan, TSan
# Both install missing Debian packages first.

JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: run test deps test-tidy test-gcc test-asan test-gcc-asan test-tsan test-gcc-tsan clean

deps:
	@scripts/install-deps.sh

run: deps
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DRINGKIT_BUILD_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build build/release -j$(JOBS) --target chat
	@echo "open http://127.0.0.1:8080/ in two browser tabs (Ctrl-C stops the server)"
	build/release/examples/chat --port 8080

test: deps
	scripts/run-tests.sh

test-tidy test-gcc test-asan test-gcc-asan test-tsan test-gcc-tsan: deps
	scripts/run-tests.sh $(@:test-%=%)

clean:
	rm -rf build
