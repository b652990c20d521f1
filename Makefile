# The two commands (see README.md):
#   make run    build and run the main example on http://127.0.0.1:8080/
#   make test   build and run every test: g++ -Werror, clang++ ASan+UBSan, clang++ TSan
# Both install missing Debian packages first.

JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: run test deps test-gcc test-asan test-tsan clean

deps:
	@scripts/install-deps.sh

run: deps
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DRINGKIT_BUILD_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build build/release -j$(JOBS) --target echo_server
	build/release/examples/echo_server --port 8080

test: deps
	scripts/run-tests.sh

test-gcc test-asan test-tsan: deps
	scripts/run-tests.sh $(@:test-%=%)

clean:
	rm -rf build
