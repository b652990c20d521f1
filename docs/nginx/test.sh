#!/usr/bin/env bash
# Runs docs/nginx/ringkit.conf in a real nginx in front of the behind_nginx app,
# all on loopback, from a temp dir with its own config, pid, logs and a
# self-signed certificate, and checks what the guide says about it:
#   http → https redirect; X-Forwarded-For/-Proto reach the app through
#   wrap_forwarded and cannot be spoofed; a WebSocket upgrade through nginx;
#   Server-Sent Events not buffered; SIGTERM to the app closes a WebSocket with 1001.
# Also that the guide's nginx block (docs/guide/deploy.md) is this file.
#   test.sh path/to/behind_nginx        (NGINX_BIN, PYTHON3_BIN, CURL_BIN may name the tools)
set -euo pipefail

app=${1:?usage: test.sh path/to/behind_nginx}
here=$(cd "$(dirname "$0")" && pwd)
nginx=${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}
python=${PYTHON3_BIN:-/usr/bin/python3}
curl=${CURL_BIN:-curl}
unset NGINX  # nginx reads it as a list of inherited sockets
[[ -x $nginx ]] || { echo "test.sh: nginx not found (apt-get install nginx-light)" >&2; exit 1; }

# The guide shows this file: the two must not drift apart.
awk '/^```nginx$/ {on = 1; next} /^```$/ {on = 0} on' "$here/../guide/deploy.md" | cmp -s - "$here/ringkit.conf" ||
    { echo "test.sh: the nginx block in docs/guide/deploy.md differs from docs/nginx/ringkit.conf" >&2; exit 1; }

tmp=$(mktemp -d)
chmod 755 "$tmp"  # nginx's workers (not root) create their temp dirs below it
app_pid="" nginx_pid=""
cleanup() {
    # Bounded: TERM, up to 5 s, then KILL.
    for pid in $nginx_pid $app_pid; do
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "test.sh: FAIL: $*" >&2; [[ -f $tmp/error.log ]] && tail -20 "$tmp/error.log" >&2; exit 1; }
free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The app, on a port of its own choosing.
"$app" --port 0 >"$tmp/app.out" 2>"$tmp/app.err" &
app_pid=$!
echo "$app_pid" >"$tmp/app.pid"
for _ in $(seq 100); do grep -q '^listening on ' "$tmp/app.out" 2>/dev/null && break; sleep 0.05; done
app_port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/app.out")
[[ -n $app_port ]] || fail "the app did not start: $(cat "$tmp/app.err")"

# nginx: the site file as the guide shows it, with test ports and certificate.
http_port=$(free_port)
https_port=$(free_port)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=example.com \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
sed -e "s|listen 80;|listen 127.0.0.1:$http_port;|" \
    -e "s|listen 443 ssl;|listen 127.0.0.1:$https_port ssl;|" \
    -e "s|server 127.0.0.1:8080;|server 127.0.0.1:$app_port;|" \
    -e "s|/etc/letsencrypt/live/example.com/fullchain.pem|$tmp/cert.pem|" \
    -e "s|/etc/letsencrypt/live/example.com/privkey.pem|$tmp/key.pem|" \
    "$here/ringkit.conf" >"$tmp/site.conf"
for needle in "127.0.0.1:$http_port;" "127.0.0.1:$https_port ssl;" "127.0.0.1:$app_port;" "$tmp/cert.pem" "$tmp/key.pem"; do
    grep -qF "$needle" "$tmp/site.conf" || fail "ringkit.conf changed: could not set $needle"
done
cat >"$tmp/nginx.conf" <<CONF
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events {}
http {
    access_log $tmp/access.log;
    client_body_temp_path $tmp/client_body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    include $tmp/site.conf;
}
CONF
"$nginx" -t -q -e "$tmp/error.log" -p "$tmp" -c "$tmp/nginx.conf" || fail "nginx -t refused the config"
"$nginx" -e "$tmp/error.log" -p "$tmp" -c "$tmp/nginx.conf" &
nginx_pid=$!
for _ in $(seq 100); do
    "$curl" -sk -o /dev/null "https://127.0.0.1:$https_port/whoami" && break
    kill -0 "$nginx_pid" 2>/dev/null || fail "nginx exited"
    sleep 0.05
done
base="https://127.0.0.1:$https_port"
echo "app on 127.0.0.1:$app_port, nginx on 127.0.0.1:$http_port (http) and :$https_port (https)"

# Plain http is sent to https.
out=$("$curl" -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$http_port/whoami?x=1")
[[ $out == "301 https://127.0.0.1/whoami?x=1" ]] || fail "http → https: $out"
echo "http: 301 to https"

# The client as the app sees it. The client connects from 127.0.0.7, nginx from
# 127.0.0.1 (the only trusted proxy), so remote_addr must be 127.0.0.7.
expect='{"peer":"127.0.0.1","remote_addr":"127.0.0.7","scheme":"https"}'
out=$("$curl" -sk --interface 127.0.0.7 "$base/whoami")
[[ $out == "$expect" ]] || fail "whoami through nginx: $out"
# A client's own X-Forwarded-For is kept by nginx on the left; the app reads from the right.
out=$("$curl" -sk --interface 127.0.0.7 -H 'X-Forwarded-For: 6.6.6.6' -H 'X-Forwarded-Proto: gopher' "$base/whoami")
[[ $out == "$expect" ]] || fail "spoofed X-Forwarded-For through nginx: $out"
# Straight to the app from an address it does not trust: the headers are ignored.
out=$("$curl" -s --interface 127.0.0.7 -H 'X-Forwarded-For: 6.6.6.6' -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$app_port/whoami")
[[ $out == '{"peer":"127.0.0.7","remote_addr":"127.0.0.7","scheme":"http"}' ]] || fail "spoof straight to the app: $out"
echo "forwarded: remote_addr 127.0.0.7 and scheme https through nginx; spoofs ignored"

# A plain GET on the WebSocket route: the app's 426 comes through.
out=$("$curl" -sk -o /dev/null -w '%{http_code}' "$base/ws")
[[ $out == 426 ]] || fail "GET /ws without Upgrade: $out"

"$python" "$here/clients.py" ws "wss://127.0.0.1:$https_port/ws" || fail "WebSocket echo through nginx"
"$python" "$here/clients.py" sse "$base" || fail "event stream through nginx"

# Last: SIGTERM to the app (run_until_signal) while a WebSocket is open.
"$python" "$here/clients.py" ws-stop "wss://127.0.0.1:$https_port/ws" "$tmp/app.pid" || fail "WebSocket at app stop"
for _ in $(seq 100); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$app_pid" 2>/dev/null && fail "the app did not exit within 5 s of SIGTERM"
wait "$app_pid" || fail "the app exited with $?"
app_pid=""
echo "app: exited 0 after SIGTERM"
echo "test.sh: PASS"
