// docs/openapi.yaml against the daemon: the routes (and their roles) the router serves are the
// ones the document lists, no more and no fewer, and every request body `example` in it is
// accepted by a running daemon on a fresh database.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>

#include "burgernet/api/service.hpp"
#include "burgernet/auth/secret.hpp"
#include "burgernet/db/pool.hpp"
#include "burgernet/net/encoding.hpp"
#include "burgernet/participant/participant_store.hpp"
#include "burgernet/sql/query.hpp"
#include "channel/twilio/twilio_channel.hpp"
#include "support/daemon_process.hpp"
#include "support/http_client.hpp"
#include "support/test_database.hpp"
#include "support/test_keys.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;
using Verb = boost::beast::http::verb;

const std::set<std::string> kMethods = {"get", "put", "post", "delete", "patch", "head", "options"};

const std::string kOpenApi = std::string(BURGERNET_SOURCE_DIR) + "/docs/openapi.yaml";

struct Run {
  int status = -1;
  std::string output;  // stdout and stderr
};

Run run(const std::string& command) {
  Run result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  while (const auto n = fread(buffer, 1, sizeof buffer, pipe)) result.output.append(buffer, n);
  result.status = pclose(pipe);
  return result;
}

// The YAML as JSON, converted by python3-yaml (scripts/setup): lighter than linking a YAML
// library into the tests for one file.
json load_openapi() {
  const auto converted =
      run("python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)' '" +
          kOpenApi + "'");
  if (converted.status != 0) throw std::runtime_error("docs/openapi.yaml does not load: " + converted.output);
  return json::parse(converted.output);
}

// tests/api/openapi_schemas.py: the document's examples, and the daemon's answers in
// `observed` (if any), against the document's JSON Schemas (python3-jsonschema).
Run check_schemas(const std::string& observed = {}) {
  return run("python3 '" + std::string(BURGERNET_SOURCE_DIR) + "/tests/api/openapi_schemas.py' '" + kOpenApi +
             "'" + (observed.empty() ? "" : " '" + observed + "'"));
}

// "POST /v1/actions/{id}"; a ":id" segment is written "{id}".
std::string route_key(std::string method, const std::string& path) {
  for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string normal;
  std::size_t start = 0;
  while (start < path.size()) {
    auto end = path.find('/', start + 1);
    if (end == std::string::npos) end = path.size();
    auto segment = path.substr(start, end - start);  // "/x"
    if (segment.size() > 1 && segment[1] == ':') segment = "/{" + segment.substr(2) + "}";
    normal += segment;
    start = end;
  }
  return method + " " + normal;
}

// The roles an operation allows, as the router writes them: {} public, {"device"} the device's
// own secret, else the bearer roles.
std::set<std::string> documented_roles(const json& document, const json& operation) {
  const auto& security = operation.contains("security") ? operation.at("security") : document.at("security");
  std::set<std::string> roles;
  for (const auto& requirement : security) {
    for (const auto& [scheme, names] : requirement.items()) {
      if (scheme == "device") roles.insert("device");
      for (const auto& name : names) roles.insert(name.get<std::string>());
    }
  }
  return roles;
}

struct Served {
  std::map<std::string, std::set<std::string>> roles;  // route key -> roles
};

// The router the daemon builds (api::make_router), over a context that is never used: adding
// routes only keeps references.
Served served_by_router(const std::string& database_url) {
  config::LiveConfig live{config::Config{}};
  db::PoolOptions options;
  options.url = database_url;
  options.size = 1;
  db::Pool pool(options);
  metrics::Registry metrics;
  api::DatabaseState state;
  ratelimit::Limiters limiters;
  api::Caches caches;
  api::Context context{live, pool, metrics, state, test_keys(), limiters, caches};
  Served served;
  for (const auto& route : api::make_router(context).routes()) {
    served.roles[route_key(std::string(boost::beast::http::to_string(route.method)), route.pattern)] =
        std::set<std::string>(route.roles.begin(), route.roles.end());
  }
  return served;
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return "[" + out + "]";
}

TEST(OpenApi, IsOpenApi31WithAnErrorSchemaAndExamplesForEveryBody) {
  const auto document = load_openapi();
  EXPECT_EQ(document["openapi"].get<std::string>().substr(0, 4), "3.1.");
  ASSERT_TRUE(document["components"]["schemas"].contains("Error"));
  for (const auto& [path, item] : document["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!kMethods.contains(method)) continue;
      if (!operation.contains("requestBody")) continue;
      for (const auto& [type, media] : operation["requestBody"]["content"].items()) {
        EXPECT_TRUE(media.contains("example") || media.contains("examples"))
            << route_key(method, path) << " " << type << " has no request example";
        EXPECT_FALSE(media.contains("example") && media.contains("examples"))
            << route_key(method, path) << ": example and examples exclude each other in OpenAPI";
      }
    }
  }
}

TEST(OpenApi, EveryExampleFitsItsSchema) {
  const auto checked = check_schemas();
  EXPECT_EQ(checked.status, 0) << checked.output;
}

TEST(OpenApi, DocumentsExactlyTheRoutesTheRouterServesWithTheirRoles) {
  TestDatabase database;
  const auto document = load_openapi();
  const auto served = served_by_router(database.url());
  std::map<std::string, std::set<std::string>> documented;
  for (const auto& [path, item] : document["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (kMethods.contains(method))
        documented[route_key(method, path)] = documented_roles(document, operation);
    }
  }
  ASSERT_FALSE(served.roles.empty());
  for (const auto& [route, roles] : served.roles) {
    const auto it = documented.find(route);
    if (it == documented.end()) {
      ADD_FAILURE() << route << " is served but missing from docs/openapi.yaml";
    } else {
      EXPECT_EQ(it->second, roles) << route << ": the document allows " << join(it->second) << ", the router "
                                   << join(roles);
    }
  }
  for (const auto& [route, roles] : documented) {
    if (!served.roles.contains(route))
      ADD_FAILURE() << route << " is documented but the router does not serve it";
  }
}

// Every request example, sent to a daemon in the order a client would (sign up, verify, ...),
// with a token of the first role the route allows and real ids in the path.
class OpenApiExamples : public DatabaseTest {
 protected:
  void SetUp() override {
    const auto dir = make_temp_dir("burgernet-openapi-");
    auth_token_ = "twilio-auth-token-for-the-test";
    std::ofstream(dir + "/twilio_auth_token") << auth_token_;
    auto config = daemon_config(database.url(), dir);
    // The SMS channel is Twilio's, so that the status callback example can be signed; nothing
    // is sent (no dispatch), so no provider is needed.
    config["channels"]["sms"] = {{"driver", "twilio_sms"},
                                 {"account_sid", "AC0123456789abcdef0123456789abcdef"},
                                 {"auth_token_file", dir + "/twilio_auth_token"},
                                 {"from", "+3197010000000"},
                                 {"status_callback_url", kCallbackUrl},
                                 {"inbound_url", kInboundUrl}};
    config["queue"] = {{"dispatch", false}};
    config["limits"] = {{"api_per_token_per_s", 10000}, {"api_per_token_burst", 10000}};
    daemon_ = std::make_unique<DaemonProcess>(config);
    ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();

    // The municipality example's area: loaded as an operator would, with burgernetctl.
    const auto areas = dir + "/areas.geojson";
    std::ofstream(areas)
        << json{{"type", "FeatureCollection"},
                {"features",
                 {{{"type", "Feature"},
                   {"properties", {{"code", "GM0363"}, {"name", "Amsterdam"}}},
                   {"geometry",
                    {{"type", "Polygon"},
                     {"coordinates",
                      {{{4.75, 52.30}, {5.05, 52.30}, {5.05, 52.43}, {4.75, 52.43}, {4.75, 52.30}}}}}}}}}}
               .dump();
    std::string out, err;
    ASSERT_EQ(run_ctl(daemon_->config_path(), {"areas", "import", areas}, &out, &err), 0) << out << err;
  }
  void TearDown() override {
    if (HasFailure() && daemon_) std::cerr << "--- daemon log ---\n" << daemon_->log() << "---\n";
  }

  std::string token(const std::string& role) {
    if (const auto it = tokens_.find(role); it != tokens_.end()) return it->second;
    const auto secret = auth::new_secret("bn_");
    database.connection().exec(sql::query("TokenCreate"), "openapi-" + role, role,
                               std::optional<std::string>(), auth::secret_hash_param(secret),
                               std::optional<std::string>());
    return tokens_[role] = secret;
  }

  // An answer for tests/api/openapi_schemas.py.
  void observe(const std::string& method, const std::string& path, const HttpResult& answer) {
    json body = nullptr;
    if (answer.header("content-type") == "application/json") body = json::parse(answer.body);
    observed_.push_back({{"method", method}, {"path", path}, {"status", answer.status}, {"body", body}});
  }

  static constexpr const char* kCallbackUrl = "https://burgernet.example/v1/callbacks/twilio";
  static constexpr const char* kInboundUrl = "https://burgernet.example/v1/callbacks/twilio/sms";
  json observed_ = json::array();
  std::unique_ptr<DaemonProcess> daemon_;
  std::string auth_token_;
  std::map<std::string, std::string> tokens_;
};

TEST_F(OpenApiExamples, EveryRequestExampleIsAccepted) {
  const auto document = load_openapi();
  // The order a client follows; each step may need what an earlier one made.
  const std::vector<std::string> order = {"POST /v1/participants",
                                          "POST /v1/participants/{id}/verify",
                                          "PATCH /v1/participants/{id}",
                                          "POST /v1/participants/{id}/devices",
                                          "PUT /v1/devices/{device_id}/location",
                                          "POST /v1/actions",
                                          "POST /v1/actions/{id}/updates",
                                          "POST /v1/actions/{id}/tips",
                                          "POST /v1/actions/{id}/close",
                                          "POST /v1/callbacks/twilio",
                                          "POST /v1/callbacks/twilio/sms",
                                          "POST /v1/cap"};

  struct Example {
    std::string name;
    std::string content_type;
    json value;
    std::set<int> success;  // the documented 2xx statuses
    std::set<std::string> roles;
  };
  std::map<std::string, std::vector<Example>> examples;
  for (const auto& [path, item] : document["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!kMethods.contains(method) || !operation.contains("requestBody")) continue;
      const auto key = route_key(method, path);
      std::set<int> success;
      for (const auto& [status, response] : operation.at("responses").items())
        if (status.front() == '2') success.insert(std::stoi(status));
      for (const auto& [type, media] : operation["requestBody"]["content"].items()) {
        if (media.contains("example"))
          examples[key].push_back(
              {"example", type, media["example"], success, documented_roles(document, operation)});
        if (media.contains("examples"))
          for (const auto& [name, e] : media["examples"].items())
            examples[key].push_back(
                {name, type, e.at("value"), success, documented_roles(document, operation)});
      }
      EXPECT_NE(std::find(order.begin(), order.end(), key), order.end())
          << key << " has a request example but this test does not know when to send it; add it to `order`";
    }
  }

  std::string participant_id, device, device_secret, action;
  int sent = 0;
  for (const auto& key : order) {
    const auto it = examples.find(key);
    if (it == examples.end()) {
      ADD_FAILURE() << key << " has no request example in docs/openapi.yaml";
      continue;
    }
    for (const auto& example : it->second) {
      const auto space = key.find(' ');
      const std::string method = key.substr(0, space);
      std::string target = key.substr(space + 1);
      const auto replace = [&](const std::string& name, const std::string& value) {
        if (const auto at = target.find(name); at != std::string::npos)
          target.replace(at, name.size(), value);
      };
      replace("{id}", key.find("/v1/actions/") != std::string::npos ? action : participant_id);
      replace("{device_id}", device);

      // A role the route allows; operator before municipal, whose token needs an area.
      std::string bearer;
      if (example.roles.contains("device")) bearer = device_secret;
      for (const char* role : {"registrar", "operator", "municipal", "admin"}) {
        if (bearer.empty() && example.roles.contains(role)) bearer = token(role);
      }
      std::map<std::string, std::string> headers;
      std::string body;
      if (example.content_type == "application/json") {
        body = example.value.dump();
        headers["Content-Type"] = "application/json";
      } else if (example.content_type == "application/cap+xml") {
        body = example.value.get<std::string>();  // a CAP alert (POST /v1/cap)
        headers["Content-Type"] = example.content_type;
      } else {
        ASSERT_EQ(example.content_type, "application/x-www-form-urlencoded") << key;
        std::vector<std::pair<std::string, std::string>> params;
        for (const auto& [name, value] : example.value.items()) {
          params.emplace_back(name, value.get<std::string>());
          body += (body.empty() ? "" : "&") + net::percent_encode(name) + "=" +
                  net::percent_encode(value.get<std::string>());
        }
        headers["Content-Type"] = example.content_type;
        // Twilio signs the URL it called: the status callback's, or the number's inbound webhook.
        const bool inbound = key == "POST /v1/callbacks/twilio/sms";
        headers["X-Twilio-Signature"] =
            channel::twilio_signature(auth_token_, inbound ? kInboundUrl : kCallbackUrl, params);
      }
      const auto verb = boost::beast::http::string_to_verb(method);
      const auto answer = HttpClient(daemon_->port(), bearer).request(verb, target, body, headers);
      observe(method, key.substr(space + 1), answer);
      ++sent;
      std::cout << key << " (" << example.name << "): " << answer.status << "\n";
      EXPECT_TRUE(example.success.contains(answer.status))
          << key << " (" << example.name << ") answered " << answer.status << " " << answer.body
          << "; the document promises a 2xx it lists for the example";
      EXPECT_NE(answer.status, 400) << key << " (" << example.name << "): the example is refused as invalid";
      EXPECT_NE(answer.status, 422) << key << " (" << example.name << ")";

      // What the next steps need.
      if (key == "POST /v1/participants" && answer.status == 201) {
        participant_id = answer.json()["id"];
        // The code went out by SMS; the test knows it by setting it.
        database.connection().exec(
            sql::Query{"OpenApiSetCode",
                       "UPDATE verification_codes SET code_hash = $1 WHERE participant_id = $2"},
            participant::code_hash_param(participant_id, "123456"), participant_id);
      }
      if (key == "POST /v1/participants/{id}/devices" && answer.status == 201) {
        device = answer.json()["device_id"];
        device_secret = answer.json()["device_secret"];
      }
      if (key == "POST /v1/actions" && answer.status == 201 && action.empty()) action = answer.json()["id"];
    }
  }
  EXPECT_GE(sent, 12) << "every example was meant to be sent";

  // The examples did what they say: the participant is active and the action closed.
  EXPECT_EQ(database.scalar("SELECT status::text FROM participants"), "active");
  ASSERT_FALSE(action.empty());
  EXPECT_EQ(
      database.connection()
          .exec(sql::Query{"OpenApiActionStatus", "SELECT status::text FROM actions WHERE id = $1"}, action)
          .string(0, 0),
      "closed");

  // The routes without a body, on what the examples made: their answers are checked against the
  // document's schemas below, with the answers above.
  const auto ask = [&](const std::string& method, const std::string& path, const std::string& target,
                       const std::string& role) {
    const auto answer = HttpClient(daemon_->port(), role.empty() ? "" : token(role))
                            .request(boost::beast::http::string_to_verb(method), target);
    observe(method, path, answer);
    std::cout << method << " " << path << ": " << answer.status << "\n";
  };
  ask("GET", "/healthz", "/healthz", "");
  ask("GET", "/readyz", "/readyz", "");
  ask("GET", "/v1/participants/{id}", "/v1/participants/" + participant_id, "registrar");
  ask("POST", "/v1/participants/{id}/verification", "/v1/participants/" + participant_id + "/verification",
      "registrar");
  ask("GET", "/v1/actions", "/v1/actions", "operator");
  ask("GET", "/v1/actions/{id}", "/v1/actions/" + action, "operator");
  ask("GET", "/v1/actions/{id}/tips", "/v1/actions/" + action + "/tips", "operator");
  ask("GET", "/v1/actions/{id}", "/v1/actions/00000000-0000-4000-8000-000000000000", "operator");
  ask("GET", "/v1/audit", "/v1/audit?limit=5", "admin");
  ask("GET", "/v1/stats", "/v1/stats", "admin");
  ask("GET", "/v1/stats", "/v1/stats?from=2026-13", "admin");
  ask("GET", "/v1/actions/{id}/cap", "/v1/actions/" + action + "/cap", "operator");
  ask("GET", "/v1/actions/{id}/cap", "/v1/actions/" + action + "/cap?message=0", "operator");
  ask("GET", "/v1/cap/feed", "/v1/cap/feed", "");
  ask("GET", "/v1/areas", "/v1/areas", "operator");
  ask("GET", "/v1/session", "/v1/session", "operator");
  ask("GET", "/v1/session", "/v1/session", "registrar");
  ask("GET", "/v1/actions", "/v1/actions?kind=urgent&q=inbraak&since=2020-01-01T00:00:00Z", "operator");
  ask("GET", "/v1/audit", "/v1/audit?since=yesterday", "admin");
  ask("POST", "/v1/actions", "/v1/actions", "registrar");
  ask("DELETE", "/v1/participants/{id}", "/v1/participants/" + participant_id, "registrar");
  ask("GET", "/v1/participants/{id}", "/v1/participants/" + participant_id, "registrar");

  const auto observed_path = make_temp_dir("burgernet-openapi-observed-") + "/observed.json";
  std::ofstream(observed_path) << observed_.dump(2);
  const auto checked = check_schemas(observed_path);
  EXPECT_EQ(checked.status, 0) << checked.output;
  std::cout << checked.output;
}

}  // namespace
}  // namespace burgernet::testing
