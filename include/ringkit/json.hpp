// JSON in and out: rk::response::json(value, status) answers with a value
// dumped as application/json, and wrap_json_body() parses a JSON request body
// once, for json_of(req). The core headers see only nlohmann's json_fwd.hpp, so
// a translation unit that answers or reads JSON includes this header; the
// others do not pay for parsing nlohmann_json.
#pragma once

#include <nlohmann/json.hpp>

#include "ringkit/http/response.hpp"
#include "ringkit/middleware/json.hpp"
