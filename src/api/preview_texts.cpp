// Dry-run texts: the sender's renderer run on the request's fields, with the police region the
// action's centre would select, so the preview is what participants will read.
#include "api/preview_texts.hpp"

#include "burgernet/message/render.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::api {

using nlohmann::json;

namespace {

std::vector<std::string> split_codes(const std::string& text) {
  std::vector<std::string> codes;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto comma = text.find(',', start);
    const auto end = comma == std::string::npos ? text.size() : comma;
    if (end > start) codes.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return codes;
}

std::vector<std::string> centre_areas(db::Connection& c, const action::AreaRequest& area) {
  using Kind = action::AreaRequest::Kind;
  const std::optional<std::string> geojson = area.kind == Kind::kPolygon ? std::optional(area.polygon_geojson)
                                             : area.kind == Kind::kCorridor ? std::optional(area.line_geojson)
                                                                            : std::nullopt;
  const std::optional<std::string> municipality =
      area.kind == Kind::kMunicipality ? std::optional(area.municipality) : std::nullopt;
  const auto r = c.exec(sql::query("PreviewCentreAreas"),
                        db::Params(area.kind_name(), area.lon, area.lat, geojson, municipality));
  return r.is_null(0, 0) ? std::vector<std::string>{} : split_codes(r.string(0, 0));
}

}  // namespace

json preview_texts(db::Connection& c, const action::ActionRequest& request, const http::Caller& caller,
                   const config::Config& config) {
  std::vector<std::string> names = request.channels;
  if (names.empty()) {
    for (const auto& [name, channel] : config.channels) names.push_back(name);
  }
  message::RenderInput input{channel::TextForm::kSms,
                             "action",
                             request.title,
                             request.category,
                             request.kind,
                             request.message,
                             "",
                             "nl",
                             centre_areas(c, request.area)};
  message::RenderOptions options;
  options.sms_max_segments = static_cast<std::size_t>(config.sms_max_segments);
  options.regions = config.regions;
  json texts = json::array();
  for (const auto& name : names) {
    const auto it = config.channels.find(name);
    if (it == config.channels.end()) continue;
    const auto& capabilities = it->second.capabilities;
    if (caller.role == "municipal" && capabilities.calls) continue;
    input.form = capabilities.form;
    for (const char* language : {"nl", "en"}) {
      if (capabilities.broadcast() && std::string_view(language) != "nl") continue;
      input.language = language;
      const auto rendered = message::render(input, options);
      json text = {{"channel", name},
                   {"form", channel::form_name(capabilities.form)},
                   {"language", language},
                   {"text", rendered.text}};
      if (!rendered.title.empty()) text["title"] = rendered.title;
      texts.push_back(std::move(text));
    }
  }
  return texts;
}

}  // namespace burgernet::api
