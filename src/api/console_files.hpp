// Serving the embedded console files: content types, the security headers and ETags.
#pragma once

#include <optional>

#include "burgernet/http/message.hpp"

namespace burgernet::api {

// The Content-Security-Policy of every console answer: only this origin's scripts, styles and
// API; no inline script or style, no frames, no forms posted anywhere.
inline constexpr const char* kConsoleCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

// The answer for the embedded file `name` ("index.html"): 200, or 304 when the request's
// If-None-Match names its ETag; 404 (with the same headers) for any name that is not embedded.
http::Response console_file_response(const http::Request& request, std::string_view name);

}  // namespace burgernet::api
