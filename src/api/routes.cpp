// Every route of the daemon, in one visible list.
#include "api/action_routes.hpp"
#include "api/audit_routes.hpp"
#include "api/callback_routes.hpp"
#include "api/cap_import_routes.hpp"
#include "api/cap_routes.hpp"
#include "api/console_routes.hpp"
#include "api/event_routes.hpp"
#include "api/health_routes.hpp"
#include "api/participant_routes.hpp"
#include "api/push_routes.hpp"
#include "api/stats_routes.hpp"
#include "api/tip_routes.hpp"
#include "burgernet/api/service.hpp"

namespace burgernet::api {

http::Router make_router(Context& context) {
  http::Router router;
  add_health_routes(router, context);
  add_action_routes(router, context);
  add_event_routes(router, context);
  add_participant_routes(router, context);
  add_push_routes(router, context);
  add_audit_routes(router, context);
  add_callback_routes(router, context);
  add_stats_routes(router, context);
  add_tip_routes(router, context);
  add_cap_import_routes(router, context);
  add_cap_routes(router, context);
  add_console_routes(router, context);
  return router;
}

}  // namespace burgernet::api
