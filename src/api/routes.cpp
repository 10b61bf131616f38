// Every route of the daemon, in one visible list.
#include "api/action_routes.hpp"
#include "api/audit_routes.hpp"
#include "api/callback_routes.hpp"
#include "api/health_routes.hpp"
#include "api/participant_routes.hpp"
#include "burgernet/api/service.hpp"

namespace burgernet::api {

http::Router make_router(Context& context) {
  http::Router router;
  add_health_routes(router, context);
  add_action_routes(router, context);
  add_participant_routes(router, context);
  add_audit_routes(router, context);
  add_callback_routes(router, context);
  return router;
}

}  // namespace burgernet::api
