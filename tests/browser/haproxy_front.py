#!/usr/bin/env python3
"""HAProxy running examples/scaling/haproxy.cfg in front of instances that a Node
test started (chat_test.js --balancer), configured by tests/clients/scaling_support.py
exactly as scaling_test.py runs it, so there is one place that adapts the file.

  haproxy_front.py PORT [PORT ...]

PORT: the instances, app1 first. Once HAProxy answers /healthz it prints one JSON
line, {"port": P}. Then each line "sessions" on stdin gets a JSON line back:
{server name: its open connections} from HAProxy's `show stat`. At the end of stdin
(the test closed it, or died) it stops HAProxy, removes its temporary directory and
exits 0. HAPROXY_BIN may name the program."""
import json
import os
import shutil
import sys
import tempfile
import types

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients"))
from scaling_support import HAProxy  # noqa: E402


def main():
    if len(sys.argv) < 2 or not all(a.isdigit() for a in sys.argv[1:]):
        sys.exit(__doc__)
    binary = os.environ.get("HAPROXY_BIN", "haproxy")
    if not shutil.which(binary):
        sys.exit(f"haproxy_front.py: {binary} not found (apt-get install haproxy)")
    instances = [types.SimpleNamespace(port=int(a)) for a in sys.argv[1:]]
    directory = tempfile.mkdtemp(prefix="ringkit-haproxy-")
    haproxy = None
    try:
        haproxy = HAProxy(instances, directory)
        print(json.dumps({"port": haproxy.port}), flush=True)
        for line in sys.stdin:
            if line.strip() != "sessions":
                raise AssertionError(f"unknown command {line.strip()!r}")
            print(json.dumps(haproxy.current_sessions()), flush=True)
    except BaseException:
        if haproxy:
            print(f"---- haproxy:\n{haproxy.output()[-3000:]}", file=sys.stderr)
        raise
    finally:
        if haproxy:
            haproxy.stop()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
