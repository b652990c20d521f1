#!/usr/bin/env bash
# curl against the real examples/todo: a site_defaults app (router, params, JSON
# bodies, session, anti-forgery, security headers, static files) end to end, with
# a cookie jar like a browser's.
#   tests/clients/todo_curl_test.sh path/to/todo
set -uo pipefail

server_bin=${1:?usage: todo_curl_test.sh path/to/todo}
[[ -x $server_bin ]] || { echo "todo_curl_test: not executable: $server_bin" >&2; exit 2; }
command -v curl >/dev/null || { echo "todo_curl_test: curl not found" >&2; exit 2; }
public_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../examples/todo/public" && pwd)

# shellcheck source=curl_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/curl_lib.sh"

start_server port --public "$public_dir"
# shellcheck disable=SC2154  # start_server assigns it with printf -v
url=http://127.0.0.1:$port
jar=$tmp/jar
json=(-H 'Content-Type: application/json')

begin "GET /: the page, a session cookie and the security headers"
rk_curl -c "$jar" -b "$jar" "$url/"
expect_code 200
expect_header content-type "text/html; charset=utf-8"
expect_header set-cookie "ringkit-session=*; Path=/; HttpOnly; SameSite=Lax"
expect_header x-frame-options SAMEORIGIN
expect_header x-content-type-options nosniff
token=$(grep -o 'name="csrf-token" content="[^"]*"' "$tmp/body" | sed 's/.*content="//; s/"$//')
[[ ${#token} -ge 40 ]] || fail "no anti-forgery token in the page"
pass

csrf=(-H "X-CSRF-Token: $token")

begin "POST /api/todos without the token: 403, nothing stored"
rk_curl -c "$jar" -b "$jar" "${json[@]}" --data '{"title":"milk"}' "$url/api/todos"
expect_code 403
expect_body "Invalid anti-forgery token"
rk_curl -b "$jar" "$url/api/todos"
expect_body "[]"
pass

begin "POST /api/todos with a wrong token: 403"
rk_curl -b "$jar" "${json[@]}" -H "X-CSRF-Token: ${token}x" --data '{"title":"milk"}' "$url/api/todos"
expect_code 403
pass

begin "POST /api/todos with the token: 201, Location, the todo as JSON"
rk_curl -c "$jar" -b "$jar" "${json[@]}" "${csrf[@]}" --data '{"title":"milk"}' "$url/api/todos"
expect_code 201
expect_header location /api/todos/1
expect_header content-type "application/json*"
expect_body '{"done":false,"id":1,"title":"milk"}'
rk_curl -c "$jar" -b "$jar" "${json[@]}" "${csrf[@]}" --data '{"title":"bread & butter"}' "$url/api/todos"
expect_code 201
pass

begin "POST /api/todos with bad JSON: 400 from wrap_json_body; with a bad shape: 400 from the handler"
rk_curl -b "$jar" "${json[@]}" "${csrf[@]}" --data '{"title":' "$url/api/todos"
expect_code 400
rk_curl -b "$jar" "${json[@]}" "${csrf[@]}" --data '{"title":""}' "$url/api/todos"
expect_code 400
expect_body '{"error":"expected {\"title\": \"non-empty text\"}"}'
pass

begin "PATCH /api/todos/1 then GET with ?done= filters (params)"
rk_curl -c "$jar" -b "$jar" -X PATCH "${json[@]}" "${csrf[@]}" --data '{"done":true}' "$url/api/todos/1"
expect_code 200
expect_body '{"done":true,"id":1,"title":"milk"}'
rk_curl -b "$jar" "$url/api/todos?done=true"
expect_body '[{"done":true,"id":1,"title":"milk"}]'
rk_curl -b "$jar" "$url/api/todos?done=false"
expect_body '[{"done":false,"id":2,"title":"bread & butter"}]'
pass

begin "another client (no cookie) has its own empty list"
rk_curl "$url/api/todos"
expect_code 200
expect_body "[]"
pass

begin "a forged session cookie is never adopted"
rk_curl -b "ringkit-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$url/api/todos"
expect_body "[]"
pass

begin "DELETE /api/todos/1: 204; unknown ids: 404"
rk_curl -c "$jar" -b "$jar" -X DELETE "${csrf[@]}" "$url/api/todos/1"
expect_code 204
rk_curl -b "$jar" -X DELETE "${csrf[@]}" "$url/api/todos/1"
expect_code 404
rk_curl -b "$jar" "$url/api/todos"
expect_body '[{"done":false,"id":2,"title":"bread & butter"}]'
pass

begin "the router: 405 with Allow, 404, 400 for a malformed query"
rk_curl -b "$jar" -X PUT "${csrf[@]}" "$url/api/todos"
expect_code 405
expect_header allow "GET, HEAD, POST, OPTIONS"
rk_curl "$url/nowhere"
expect_code 404
rk_curl "$url/api/todos?done=%zz"
expect_code 400
pass

begin "static files: ETag then 304, Range 206, HEAD with the length"
rk_curl "$url/static/app.js"
expect_code 200
expect_same_file "$public_dir/app.js"
expect_header content-type "text/javascript; charset=utf-8"
etag=$(header etag)
[[ -n $etag ]] || fail "no ETag"
rk_curl -H "If-None-Match: $etag" "$url/static/app.js"
expect_code 304
expect_body ""
rk_curl -r 0-9 "$url/static/app.js"
expect_code 206
expect_header content-range "bytes 0-9/$(stat -c %s "$public_dir/app.js")"
expect_body "$(head -c 10 "$public_dir/app.js")"
rk_curl -I "$url/static/style.css"  # (-I: curl reads no body; the integration tests check none is sent)
expect_code 200
expect_header content-length "$(stat -c %s "$public_dir/style.css")"
pass

begin "static files: traversal attempts never leave the public directory"
for target in '/static/../todo.cpp' '/static/%2e%2e/todo.cpp' '/static/..%2ftodo.cpp' '/static/%2e%2e%2ftodo.cpp' \
              '/static/app.js%00.css' '/static/%5c..%5ctodo.cpp'; do
  rk_curl --path-as-is "$url$target"
  [[ $code == 400 || $code == 404 ]] || fail "$target: status $code"
  ! grep -q 'site_defaults' "$tmp/body" || fail "$target: served the source file"
done
pass

echo "todo curl: $passed passed, $failed failed"
