// GET /v1/actions' query string: paging and the search filters, each checked (400 naming it).
#pragma once

#include "burgernet/action/action_store.hpp"
#include "burgernet/http/message.hpp"

namespace burgernet::api {

action::ListQuery read_list_query(const http::Request& request);

}  // namespace burgernet::api
