// The `texts` of a dry run of POST /v1/actions: what each channel would send, per language,
// rendered by the real templates (message/render.hpp), for the console's compose preview.
#pragma once

#include <nlohmann/json.hpp>

#include "burgernet/action/action_request.hpp"
#include "burgernet/config/config.hpp"
#include "burgernet/db/connection.hpp"
#include "burgernet/http/message.hpp"

namespace burgernet::api {

// [{channel, form, language, title?, text}]: every channel the action would use (a municipal
// caller's leave out calling channels), in Dutch and English for personal channels and in Dutch
// for broadcast ones (social posts are always Dutch). Reads only the area codes of the centre.
nlohmann::json preview_texts(db::Connection& c, const action::ActionRequest& request,
                             const http::Caller& caller, const config::Config& config);

}  // namespace burgernet::api
