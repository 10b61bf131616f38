// Every route of the daemon, in one visible list.
#include "api/health_routes.hpp"
#include "burgernet/api/service.hpp"

namespace burgernet::api {

http::Router make_router(Context& context) {
  http::Router router;
  add_health_routes(router, context);
  return router;
}

}  // namespace burgernet::api
