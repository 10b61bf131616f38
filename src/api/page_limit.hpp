// The page size of a list the API answers newest first (actions, tips): `limit`, 1 to 200.
#pragma once

#include "burgernet/http/message.hpp"

namespace burgernet::api {

// 50 without `limit`; a 400 naming it for anything but a whole number from 1 to 200.
int read_page_limit(const http::Request& request);

}  // namespace burgernet::api
