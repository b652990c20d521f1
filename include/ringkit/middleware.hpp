// Middleware: functions from handler to handler, composed as
// `app | rk::wrap_params() | rk::wrap_session()` (the last one outermost), each
// the C++ counterpart of a Ring middleware; middleware/middleware.hpp shows
// how to write one.
//
//  - request bodies and parameters: wrap_params (query and form, nested),
//    wrap_multipart (uploads), wrap_json_body (JSON), media_type;
//  - state: wrap_cookies, wrap_session with memory_store or cookie_store
//    (sealed with OpenSSL), wrap_flash, wrap_anti_forgery (CSRF);
//  - files: wrap_file and file_handler, wrap_resource (files compiled in),
//    MIME types, conditional requests and byte ranges, wrap_not_modified;
//  - responses: wrap_compress (gzip and deflate with zlib), wrap_head,
//    wrap_default_charset, wrap_security_headers, wrap_cors, Vary;
//  - operations: wrap_exceptions, wrap_access_log (CLF or JSON lines),
//    wrap_request_id (X-Request-Id), wrap_forwarded (behind a proxy);
//  - rk::site_defaults and rk::api_defaults: ring-defaults' stacks, each
//    configured by one struct.
//
// Some of these parse nlohmann_json, zlib or OpenSSL headers; a program that
// defines RINGKIT_SEPARATE_COMPILATION keeps zlib and OpenSSL out of its
// translation units (core/config.hpp). Only the middleware a TU uses need be
// included: one concept per header under ringkit/middleware/.
#pragma once

#include "ringkit/middleware/access_log.hpp"
#include "ringkit/middleware/anti_forgery.hpp"
#include "ringkit/middleware/compress.hpp"
#include "ringkit/middleware/conditional.hpp"
#include "ringkit/middleware/cookie_store.hpp"
#include "ringkit/middleware/cookies.hpp"
#include "ringkit/middleware/cors.hpp"
#include "ringkit/middleware/default_charset.hpp"
#include "ringkit/middleware/defaults.hpp"
#include "ringkit/middleware/exceptions.hpp"
#include "ringkit/middleware/file.hpp"
#include "ringkit/middleware/flash.hpp"
#include "ringkit/middleware/head.hpp"
#include "ringkit/middleware/json.hpp"
#include "ringkit/middleware/media_type.hpp"
#include "ringkit/middleware/memory_store.hpp"
#include "ringkit/middleware/middleware.hpp"
#include "ringkit/middleware/mime.hpp"
#include "ringkit/middleware/multipart.hpp"
#include "ringkit/middleware/not_modified.hpp"
#include "ringkit/middleware/params.hpp"
#include "ringkit/middleware/proxy_headers.hpp"
#include "ringkit/middleware/range.hpp"
#include "ringkit/middleware/request_id.hpp"
#include "ringkit/middleware/resource.hpp"
#include "ringkit/middleware/security_headers.hpp"
#include "ringkit/middleware/ssl_redirect.hpp"
#include "ringkit/middleware/session.hpp"
#include "ringkit/middleware/vary.hpp"
