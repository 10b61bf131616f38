// Routes that take more than http.body_limit_bytes: the server asks once per request, after
// its header (http::BodyLimitFor).
#pragma once

#include <cstddef>
#include <string_view>

#include "burgernet/config/config.hpp"

namespace burgernet::api {

// POST /v1/actions/{id}/tips carries a photo of up to tips.max_photo_bytes in base64; every
// other path: 0 (the default limit).
std::size_t body_limit_for(std::string_view path, const config::Config& config);

}  // namespace burgernet::api
