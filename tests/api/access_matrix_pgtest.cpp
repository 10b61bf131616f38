// Who may do what, where: every /v1 route × every kind of caller × a target inside or outside
// the caller's area, against the real daemon (docs/security.md, "Roles"). And what the answers
// to the action roles must never contain: anyone's number, e-mail address or home.
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <sstream>

#include "action/population.hpp"
#include "burgernet/auth/secret.hpp"
#include "burgernet/participant/participant_store.hpp"
#include "burgernet/sql/query.hpp"
#include "cap/cap_import_samples.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;
using Verb = boost::beast::http::verb;

// The callers, in the order of the columns of the table below.
enum Caller { kAdmin, kOperator, kUnitOperator, kMunicipal, kRegistrar, kDevice, kNone, kRevoked, kExpired };
constexpr int kCallers = 9;
const char* const kCallerNames[kCallers] = {"admin",
                                            "operator (no area)",
                                            "operator bound to GM0363",
                                            "municipal GM0363",
                                            "registrar",
                                            "device secret",
                                            "no token",
                                            "revoked token",
                                            "expired token"};

// Inside or outside the caller's area; what that means for each route is said in its row.
enum Where { kInside, kOutside };

struct Call {
  Verb method;
  std::string path;
  std::string body;
};

// Amsterdam (GM0363) is the square of 4 km around Dam square; "Elsewhere" (GM0599) the same
// 20 km to the north. Both inside the service area.
const Place kAmsterdam = centre();
const Place kElsewhere = offset(centre(), 20000, 0);

class AccessMatrixTest : public DatabaseTest {
 protected:
  void SetUp() override {
    add_area("GM0363", kAmsterdam, 2000);
    add_area("GM0599", kElsewhere, 2000);
    auto config = daemon_config(database.url(), make_temp_dir("burgernet-outbox-"));
    config["queue"] = {{"dispatch", false}};
    config["limits"] = {{"api_per_token_per_s", 10000}, {"api_per_token_burst", 10000}};
    daemon_ = std::make_unique<DaemonProcess>(config);
    ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();

    tokens_[kAdmin] = token("admin", "admin");
    tokens_[kOperator] = token("operator", "meldkamer");
    tokens_[kUnitOperator] = token("operator", "meldkamer-amsterdam", "GM0363");
    tokens_[kMunicipal] = token("municipal", "gemeente-amsterdam", "GM0363");
    tokens_[kRegistrar] = token("registrar", "website");
    tokens_[kNone] = "";
    tokens_[kRevoked] = token("operator", "revoked");
    database.scalar("UPDATE api_tokens SET revoked_at = now() WHERE name = 'revoked'");
    tokens_[kExpired] = token("admin", "expired");
    database.scalar("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE name = 'expired'");
    elsewhere_token_ = token("municipal", "gemeente-elders", "GM0599");
    colleague_municipal_ = token("municipal", "gemeente-amsterdam-2", "GM0363");
    colleague_unit_ = token("operator", "meldkamer-amsterdam-2", "GM0363");

    const auto owner = add_participant(database, {{offset(kAmsterdam, 100, 0)}});
    own_device_ = add_device(owner, "bnd_own-device-secret");
    other_device_ = add_device(owner, "bnd_other-device-secret");
    tokens_[kDevice] = "bnd_own-device-secret";
  }
  void TearDown() override {
    if (HasFailure() && daemon_)
      std::cerr << "--- daemon log (tail) ---\n" << tail(daemon_->log()) << "---\n";
  }

  static std::string tail(const std::string& log) {
    return log.size() > 6000 ? log.substr(log.size() - 6000) : log;
  }

  void add_area(const std::string& code, Place at, double half_m) { add_square_area(database, code, at, half_m); }

  std::string token(const std::string& role, const std::string& name, const std::string& area = {}) {
    const auto secret = auth::new_secret("bn_");
    database.connection().exec(sql::query("TokenCreate"), name, role,
                               area.empty() ? std::optional<std::string>() : std::optional(area),
                               auth::secret_hash_param(secret), std::optional<std::string>());
    return secret;
  }

  std::string add_device(const std::string& participant, const std::string& secret) {
    return database.scalar(
        "INSERT INTO devices (participant_id, platform, push_token_sealed, secret_hash) VALUES ('" +
        participant + "', 'android', '" + test_keys().seal("push-" + secret, "push_token") + "', '" +
        auth::secret_hash_param(secret) + "') RETURNING id");
  }

  // A participant whose sign-up waits for the code 123456 (`with_code`), living at `at`.
  std::string pending_participant(Place at, bool with_code) {
    const auto id = add_participant(database, {{at, "{sms}"}}, {}, "pending_verification");
    if (with_code) {
      database.scalar(
          "INSERT INTO verification_codes (participant_id, code_hash, expires_at, created_at) VALUES ('" +
          id + "', '" + participant::code_hash_param(id, "123456") +
          "', now() + interval '10 minutes', now() - interval '5 minutes')");
    }
    return id;
  }

  HttpClient client(Caller caller) { return HttpClient(daemon_->port(), tokens_[caller]); }

  static json alert(json area, const std::string& kind = "alert") {
    return {{"kind", kind},
            {"category", "witness_call"},
            {"title", "Getuigen gezocht"},
            {"message", "Wie heeft iets gezien bij het station?"},
            {"area", std::move(area)}};
  }
  static json circle(Place at, double radius_m) {
    return {{"circle", {{"lat", at.lat}, {"lon", at.lon}, {"radius_m", radius_m}}}};
  }
  static json square(Place at, double half_m) {
    const auto sw = offset(at, -half_m, -half_m), ne = offset(at, half_m, half_m);
    return {
        {"polygon",
         {{"type", "Polygon"},
          {"coordinates",
           {{{sw.lon, sw.lat}, {ne.lon, sw.lat}, {ne.lon, ne.lat}, {sw.lon, ne.lat}, {sw.lon, sw.lat}}}}}}};
  }

  // Raises an alert in `area` with `token`, and returns its id.
  std::string raise_alert(const std::string& token, json area) {
    return raise_action(HttpClient(daemon_->port(), token), alert(std::move(area)));
  }
  // Inside: an action of the caller's own (of the national operator's for callers that cannot
  // raise one); outside: one of another municipality, in its own area.
  std::string own_or_others_action(Caller caller, Where place) {
    if (place == kOutside) return raise_alert(elsewhere_token_, circle(kElsewhere, 1000));
    const bool can_raise =
        caller == kAdmin || caller == kOperator || caller == kUnitOperator || caller == kMunicipal;
    return raise_alert(tokens_[can_raise ? caller : kOperator], circle(kAmsterdam, 1000));
  }

  std::string phone() { return "+31641" + std::to_string(100000 + (++numbers_)); }

  std::unique_ptr<DaemonProcess> daemon_;
  std::string tokens_[kCallers];
  std::string elsewhere_token_;
  std::string colleague_municipal_, colleague_unit_;  // other tokens of GM0363, one per role
  std::string own_device_, other_device_;
  int numbers_ = 0;
};

// A 1x1 PNG (IHDR, IDAT, IEND), base64, for the tip photo rows.
const char* const kTinyPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

struct Row {
  std::string route;
  std::function<Call(Caller, Where)> make;
  // Per caller, in the order of kCallerNames: "inside/outside" statuses.
  std::string expected;
};

// "201/403 ..." into expected[caller][place].
std::vector<std::array<int, 2>> parse_expected(const std::string& text) {
  std::vector<std::array<int, 2>> out;
  std::istringstream in(text);
  std::string cell;
  while (in >> cell) {
    const auto slash = cell.find('/');
    out.push_back({std::stoi(cell.substr(0, slash)), std::stoi(cell.substr(slash + 1))});
  }
  return out;
}

TEST_F(AccessMatrixTest, EveryRouteEveryCallerInsideAndOutsideItsArea) {
  const auto post = [](std::string path, const json& body) {
    return Call{Verb::post, std::move(path), body.dump()};
  };
  const auto home = [](Where place) {
    return place == kInside ? offset(kAmsterdam, 300, 0) : offset(kElsewhere, 300, 0);
  };

  const std::vector<Row> rows = {
      // Participant routes: inside, someone living in GM0363; outside, someone living elsewhere.
      // Participants are not bound to areas: registrar (and admin) everywhere, nobody else.
      //  columns: admin   operator unit-op  municipal registrar device  none    revoked expired
      {"POST /v1/participants",
       [&](Caller, Where p) {
         return post("/v1/participants",
                     {{"phone", phone()}, {"addresses", {{{"lat", home(p).lat}, {"lon", home(p).lon}}}}});
       },
       "201/201 403/403 403/403 403/403 201/201 401/401 401/401 401/401 401/401"},
      {"POST /v1/participants/{id}/verify",
       [&](Caller, Where p) {
         return post("/v1/participants/" + pending_participant(home(p), true) + "/verify",
                     {{"code", "123456"}});
       },
       "200/200 403/403 403/403 403/403 200/200 401/401 401/401 401/401 401/401"},
      {"POST /v1/participants/{id}/verification",
       [&](Caller, Where p) {
         return post("/v1/participants/" + pending_participant(home(p), false) + "/verification",
                     json::object());
       },
       "202/202 403/403 403/403 403/403 202/202 401/401 401/401 401/401 401/401"},
      {"GET /v1/participants/{id}",
       [&](Caller, Where p) {
         return Call{Verb::get, "/v1/participants/" + add_participant(database, {{home(p)}}), ""};
       },
       "200/200 403/403 403/403 403/403 200/200 401/401 401/401 401/401 401/401"},
      {"PATCH /v1/participants/{id}",
       [&](Caller, Where p) {
         return Call{Verb::patch, "/v1/participants/" + add_participant(database, {{home(p)}}),
                     json({{"language", "en"}}).dump()};
       },
       "200/200 403/403 403/403 403/403 200/200 401/401 401/401 401/401 401/401"},
      {"DELETE /v1/participants/{id}",
       [&](Caller, Where p) {
         return Call{Verb::delete_, "/v1/participants/" + add_participant(database, {{home(p)}}), ""};
       },
       "204/204 403/403 403/403 403/403 204/204 401/401 401/401 401/401 401/401"},
      {"POST /v1/participants/{id}/devices",
       [&](Caller, Where p) {
         return post("/v1/participants/" + add_participant(database, {{home(p)}}) + "/devices",
                     {{"platform", "ios"}, {"push_token", "apns-" + phone()}});
       },
       "201/201 403/403 403/403 403/403 201/201 401/401 401/401 401/401 401/401"},
      // Inside: the device whose secret the device caller holds; outside: another device.
      // Only the device's own secret opens it; no API token does, not even admin's.
      {"PUT /v1/devices/{id}/location",
       [&](Caller, Where p) {
         return Call{Verb::put, "/v1/devices/" + (p == kInside ? own_device_ : other_device_) + "/location",
                     json({{"lat", kAmsterdam.lat}, {"lon", kAmsterdam.lon}, {"accuracy_m", 20}}).dump()};
       },
       "401/401 401/401 401/401 401/401 401/401 204/401 401/401 401/401 401/401"},

      // Raising: inside, an area wholly inside GM0363; outside, one in GM0599.
      {"POST /v1/actions urgent, circle",
       [&](Caller, Where p) {
         return post("/v1/actions", alert(circle(p == kInside ? kAmsterdam : kElsewhere, 1000), "urgent"));
       },
       "201/201 201/201 201/403 403/403 403/403 401/401 401/401 401/401 401/401"},
      {"POST /v1/actions alert, circle",
       [&](Caller, Where p) {
         return post("/v1/actions", alert(circle(p == kInside ? kAmsterdam : kElsewhere, 1000)));
       },
       "201/201 201/201 201/403 201/403 403/403 401/401 401/401 401/401 401/401"},
      {"POST /v1/actions alert, municipality code",
       [&](Caller, Where p) {
         return post("/v1/actions", alert({{"municipality", p == kInside ? "GM0363" : "GM0599"}}));
       },
       "201/201 201/201 201/403 201/403 403/403 401/401 401/401 401/401 401/401"},
      // The whole area must lie inside: inside, a circle across GM0363's east edge; outside, a
      // polygon around all of GM0363.
      {"POST /v1/actions alert, across the border",
       [&](Caller, Where p) {
         return post("/v1/actions", alert(p == kInside ? circle(offset(kAmsterdam, 0, 1800), 500)
                                                       : square(kAmsterdam, 3000)));
       },
       "201/201 201/201 403/403 403/403 403/403 401/401 401/401 401/401 401/401"},
      {"POST /v1/actions dry_run",
       [&](Caller, Where p) {
         auto body = alert(circle(p == kInside ? kAmsterdam : kElsewhere, 1000));
         body["dry_run"] = true;
         return post("/v1/actions", body);
       },
       "200/200 200/200 200/403 200/403 403/403 401/401 401/401 401/401 401/401"},
      {"GET /v1/actions",
       [&](Caller, Where) {
         return Call{Verb::get, "/v1/actions", ""};
       },
       "200/200 200/200 200/200 200/200 403/403 401/401 401/401 401/401 401/401"},

      // By id: inside, an action of the caller's own; outside, one of another municipality.
      // What a caller may not see is "not found", like an action that does not exist.
      {"GET /v1/actions (200: the action is listed, 404: it is not)",
       [&](Caller c, Where p) {
         return Call{Verb::get, "/v1/actions?limit=200#" + own_or_others_action(c, p), ""};
       },
       "200/200 200/200 200/404 200/404 403/403 401/401 401/401 401/401 401/401"},
      {"GET /v1/actions/{id}",
       [&](Caller c, Where p) {
         return Call{Verb::get, "/v1/actions/" + own_or_others_action(c, p), ""};
       },
       "200/200 200/200 200/404 200/404 403/403 401/401 401/401 401/401 401/401"},
      // The action closed first, so that its event stream ends after its replay and the
      // client reads a whole answer.
      {"GET /v1/actions/{id}/events",
       [&](Caller c, Where p) {
         const auto id = own_or_others_action(c, p);
         database.scalar("UPDATE actions SET status = 'closed', outcome = 'resolved', closed_at = now() WHERE id = '" +
                         id + "' RETURNING id");
         return Call{Verb::get, "/v1/actions/" + id + "/events", ""};
       },
       "200/200 200/200 200/404 200/404 403/403 401/401 401/401 401/401 401/401"},
      {"POST /v1/actions/{id}/updates",
       [&](Caller c, Where p) {
         return post("/v1/actions/" + own_or_others_action(c, p) + "/updates",
                     {{"message", "Nog steeds gezocht."}});
       },
       "201/201 201/201 201/404 201/404 403/403 401/401 401/401 401/401 401/401"},
      // Growing the area of one's own action: inside, to a wider circle in GM0363; outside, to GM0599.
      {"POST /v1/actions/{id}/updates with an area",
       [&](Caller c, Where p) {
         return post("/v1/actions/" + own_or_others_action(c, kInside) + "/updates",
                     {{"message", "Nu ook verderop."},
                      {"area", p == kInside ? circle(kAmsterdam, 1500) : circle(kElsewhere, 1000)}});
       },
       "201/201 201/201 201/403 201/403 403/403 401/401 401/401 401/401 401/401"},
      {"POST /v1/actions/{id}/close",
       [&](Caller c, Where p) {
         return post("/v1/actions/" + own_or_others_action(c, p) + "/close",
                     {{"outcome", "resolved"}, {"message", "Dank voor uw hulp."}});
       },
       "200/200 200/200 200/404 200/404 403/403 401/401 401/401 401/401 401/401"},
      // The national operator's action, inside GM0363 or elsewhere: a token bound to an area
      // sees its area's own actions only, not others' that happen to lie in it.
      {"GET /v1/actions/{id} of the national operator",
       [&](Caller, Where p) {
         return Call{
             Verb::get,
             "/v1/actions/" + raise_alert(tokens_[kOperator], circle(p == kInside ? kAmsterdam : kElsewhere, 1000)),
             ""};
       },
       "200/200 200/200 404/404 404/404 403/403 401/401 401/401 401/401 401/401"},

      // Another token of GM0363: inside, one of the caller's own role (a colleague); outside, one
      // of the other role: a municipality does not see its police unit's actions, nor the reverse.
      {"GET /v1/actions/{id} of another token of GM0363",
       [&](Caller c, Where p) {
         const bool municipal_colleague = (c == kUnitOperator) == (p == kOutside);
         return Call{Verb::get,
                     "/v1/actions/" + raise_alert(municipal_colleague ? colleague_municipal_ : colleague_unit_,
                                            circle(kAmsterdam, 1000)),
                     ""};
       },
       "200/200 200/200 200/404 200/404 403/403 401/401 401/401 401/401 401/401"},

      // Tips: the app back end (registrar) posts to any open action; reading as GET /v1/actions/{id}.
      {"POST /v1/actions/{id}/tips",
       [&](Caller c, Where p) {
         return post("/v1/actions/" + own_or_others_action(c, p) + "/tips", {{"text", "Ik zag hem bij de brug."}});
       },
       "201/201 403/403 403/403 403/403 201/201 401/401 401/401 401/401 401/401"},
      {"GET /v1/actions/{id}/tips",
       [&](Caller c, Where p) {
         return Call{Verb::get, "/v1/actions/" + own_or_others_action(c, p) + "/tips", ""};
       },
       "200/200 200/200 200/404 200/404 403/403 401/401 401/401 401/401 401/401"},
      {"GET /v1/actions/{id}/tips/{tip_id}/photo",
       [&](Caller c, Where p) {
         const auto action = own_or_others_action(c, p);
         const auto tip = HttpClient(daemon_->port(), tokens_[kRegistrar])
                              .post("/v1/actions/" + action + "/tips",
                                    {{"text", "Foto van de auto."},
                                     {"photo", {{"content_type", "image/png"}, {"data", kTinyPng}}}});
         return Call{Verb::get, "/v1/actions/" + action + "/tips/" + tip.json().value("id", "") + "/photo", ""};
       },
       "200/200 200/200 200/404 200/404 403/403 401/401 401/401 401/401 401/401"},
      // Signed by Twilio, never by a bearer token.
      {"POST /v1/callbacks/twilio/sms (unsigned)",
       [&](Caller, Where) {
         return Call{Verb::post, "/v1/callbacks/twilio/sms", "From=%2B31612345678&Body=hallo"};
       },
       "403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403"},
      {"GET /v1/audit",
       [&](Caller, Where) {
         return Call{Verb::get, "/v1/audit", ""};
       },
       "200/200 403/403 403/403 403/403 403/403 401/401 401/401 401/401 401/401"},
      // Statistics: admin all, a municipality its own area (the answer is scoped, never refused).
      {"GET /v1/stats",
       [&](Caller, Where) {
         return Call{Verb::get, "/v1/stats", ""};
       },
       "200/200 403/403 403/403 200/200 403/403 401/401 401/401 401/401 401/401"},
      // CAP out (docs/cap.md): an action as CAP as GET /v1/actions/{id}; the feed is public.
      {"GET /v1/actions/{id}/cap",
       [&](Caller c, Where p) {
         return Call{Verb::get, "/v1/actions/" + own_or_others_action(c, p) + "/cap", ""};
       },
       "200/200 200/200 200/404 200/404 403/403 401/401 401/401 401/401 401/401"},
      {"GET /v1/cap/feed",
       [&](Caller, Where) {
         return Call{Verb::get, "/v1/cap/feed", ""};
       },
       "200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200"},
      // CAP in (docs/cap.md, "Import"): operators only; inside, a circle in GM0363, outside one in
      // GM0599, each a new alert (sender and identifier raise once).
      {"POST /v1/cap",
       [&](Caller, Where p) {
         const auto at = p == kInside ? kAmsterdam : kElsewhere;
         char circle[96];
         std::snprintf(circle, sizeof circle, "<circle>%.6f,%.6f 1</circle>", at.lat, at.lon);
         CapSample sample;
         sample.identifier = "NL-POL-MATRIX-" + std::to_string(++numbers_);
         sample.area = circle;
         return Call{Verb::post, "/v1/cap", cap_xml(sample)};
       },
       "201/201 201/201 201/403 403/403 403/403 401/401 401/401 401/401 401/401"},
      // The search takes the same roles as the list; a filter never widens what a caller sees.
      {"GET /v1/actions search (200: the action is found, 404: it is not)",
       [&](Caller c, Where p) {
         return Call{Verb::get, "/v1/actions?limit=200&kind=alert&q=getuigen&category=witness_call#" +
                                    own_or_others_action(c, p), ""};
       },
       "200/200 200/200 200/404 200/404 403/403 401/401 401/401 401/401 401/401"},
      // The console (docs/console.md): its files need nothing; the map's areas are the same for
      // every action role; the session answers any token about itself.
      {"GET /console/",
       [&](Caller, Where) {
         return Call{Verb::get, "/console/", ""};
       },
       "200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200 200/200"},
      {"GET /v1/areas",
       [&](Caller, Where) {
         return Call{Verb::get, "/v1/areas", ""};
       },
       "200/200 200/200 200/200 200/200 403/403 401/401 401/401 401/401 401/401"},
      {"GET /v1/session",
       [&](Caller, Where) {
         return Call{Verb::get, "/v1/session", ""};
       },
       "200/200 200/200 200/200 200/200 200/200 401/401 401/401 401/401 401/401"},
      // The device-matching push mode's topics for a point: the app back end, as for sign-up.
      {"GET /v1/push/cells",
       [&](Caller, Where p) {
         const auto at = p == kInside ? kAmsterdam : kElsewhere;
         return Call{Verb::get, "/v1/push/cells?lat=" + std::to_string(at.lat) + "&lon=" + std::to_string(at.lon), ""};
       },
       "200/200 403/403 403/403 403/403 200/200 401/401 401/401 401/401 401/401"},
      // Authenticated by Twilio's signature, never by a bearer token.
      {"POST /v1/callbacks/twilio (unsigned)",
       [&](Caller, Where) {
         return Call{Verb::post, "/v1/callbacks/twilio", "MessageSid=SM1&MessageStatus=delivered"};
       },
       "403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403 403/403"},
  };

  std::ostringstream failures;
  int cells = 0, failed = 0;
  for (const auto& row : rows) {
    const auto expected = parse_expected(row.expected);
    ASSERT_EQ(expected.size(), static_cast<std::size_t>(kCallers)) << row.route;
    for (int caller = 0; caller < kCallers; ++caller) {
      for (const Where place : {kInside, kOutside}) {
        auto call = row.make(static_cast<Caller>(caller), place);
        // "#id" marks the action a listing must (or must not) show; it is not sent.
        std::string listed;
        if (const auto hash = call.path.find('#'); hash != std::string::npos) {
          listed = call.path.substr(hash + 1);
          call.path.erase(hash);
        }
        auto r = client(static_cast<Caller>(caller)).request(call.method, call.path, call.body);
        int got = r.status;
        if (!listed.empty() && got == 200) {
          bool found = false;
          const auto listing = r.json();
          for (const auto& a : listing["actions"]) found = found || a["id"] == listed;
          got = found ? 200 : 404;
        }
        const int want = expected[caller][place];
        ++cells;
        if (got != want) {
          ++failed;
          failures << "  " << row.route << " | " << kCallerNames[caller] << " | "
                   << (place == kInside ? "inside" : "outside") << " | expected " << want << ", got " << got
                   << " | " << r.body.substr(0, 160) << "\n";
        }
      }
    }
  }
  EXPECT_EQ(failed, 0) << failed << " of " << cells
                       << " cells differ (route | caller | place | expected, got):\n"
                       << failures.str();
  EXPECT_GE(cells, 2 * kCallers * 20);
}

// An area binds operator and municipal tokens only; burgernetctl refuses to pretend otherwise.
TEST_F(AccessMatrixTest, OnlyOperatorAndMunicipalTokensTakeAnArea) {
  for (const char* role : {"registrar", "admin"}) {
    std::string out, err;
    EXPECT_EQ(
        run_ctl(daemon_->config_path(),
                {"token", "create", "--role", role, "--name", std::string("x-") + role, "--area", "GM0363"},
                &out, &err),
        2)
        << role;
    EXPECT_NE(err.find("--area"), std::string::npos) << err;
    EXPECT_TRUE(out.empty()) << "no token printed";
  }
  std::string out, err;
  EXPECT_EQ(
      run_ctl(daemon_->config_path(),
              {"token", "create", "--role", "operator", "--name", "unit", "--area", "GM0363"}, &out, &err),
      0)
      << err;
  EXPECT_EQ(database.scalar("SELECT string_agg(name || ':' || role || ':' || area_code, ',') FROM api_tokens "
                            "WHERE name IN ('unit', 'x-registrar', 'x-admin')"),
            "unit:operator:GM0363");
}

// The action roles learn counts, never who: no number, e-mail address, home or participant id
// in any answer they get, errors included; the audit log (admin) names ids only.
TEST_F(AccessMatrixTest, AnswersCarryNoOnesNumberAddressOrEmailWithoutNeed) {
  const std::string number = "+31612345678", email = "jan.jansen@example.nl";
  const Place home = {52.381234, 4.901234};
  auto signed_up =
      HttpClient(daemon_->port(), tokens_[kRegistrar])
          .post("/v1/participants",
                {{"phone", number},
                 {"email", email},
                 {"addresses", {{{"lat", home.lat}, {"lon", home.lon}, {"channels", {"sms"}}}}}});
  ASSERT_EQ(signed_up.status, 201) << signed_up.body;
  const auto participant = signed_up.json()["id"].get<std::string>();
  database.scalar("UPDATE participants SET status = 'active', verified_at = now() WHERE id = '" +
                  participant + "'");
  // The registrar reads it back, by need.
  const auto read = HttpClient(daemon_->port(), tokens_[kRegistrar]).get("/v1/participants/" + participant);
  ASSERT_EQ(read.status, 200);
  EXPECT_NE(read.body.find(email), std::string::npos);

  std::vector<std::pair<std::string, HttpResult>> answers;
  for (const Caller caller : {kOperator, kUnitOperator, kMunicipal, kAdmin}) {
    auto c = client(caller);
    const auto name = std::string(kCallerNames[caller]) + " ";
    auto body = alert(circle(kAmsterdam, 1500));
    body["dry_run"] = true;
    answers.emplace_back(name + "dry run", c.post("/v1/actions", body));
    body.erase("dry_run");
    const auto raised = c.post("/v1/actions", body);
    answers.emplace_back(name + "raise", raised);
    ASSERT_EQ(raised.status, 201) << raised.body;
    EXPECT_EQ(raised.json()["recipients"], 2) << "the participant is reached (and the device owner of SetUp)";
    const auto id = raised.json()["id"].get<std::string>();
    answers.emplace_back(name + "get", c.get("/v1/actions/" + id));
    answers.emplace_back(name + "list", c.get("/v1/actions"));
    answers.emplace_back(name + "update",
                         c.post("/v1/actions/" + id + "/updates", {{"message", "Nog steeds."}}));
    const json wider = {{"message", "Nu ook verderop."}, {"area", circle(kAmsterdam, 1800)}};
    auto dry_wider = wider;
    dry_wider["dry_run"] = true;
    answers.emplace_back(name + "update dry run", c.post("/v1/actions/" + id + "/updates", dry_wider));
    answers.emplace_back(name + "update with an area", c.post("/v1/actions/" + id + "/updates", wider));
    answers.emplace_back(name + "get after growing", c.get("/v1/actions/" + id));
    const json closing = {{"outcome", "resolved"}, {"message", "Dank voor uw hulp."}};
    answers.emplace_back(name + "close", c.post("/v1/actions/" + id + "/close", closing));
    answers.emplace_back(name + "close again", c.post("/v1/actions/" + id + "/close", closing));
    answers.emplace_back(name + "cap", c.get("/v1/actions/" + id + "/cap"));
    answers.emplace_back(name + "cap feed", c.get("/v1/cap/feed"));
    if (caller == kAdmin) continue;  // admin may read and erase participants
    answers.emplace_back(name + "participant", c.get("/v1/participants/" + participant));
    answers.emplace_back(name + "erase", c.del("/v1/participants/" + participant));
  }
  answers.emplace_back(
      "municipal, another's action",
      client(kMunicipal).get("/v1/actions/" + raise_alert(tokens_[kOperator], circle(kAmsterdam, 1500))));
  answers.emplace_back("admin audit", client(kAdmin).get("/v1/audit?limit=1000"));
  answers.emplace_back(
      "registrar, same number again",
      HttpClient(daemon_->port(), tokens_[kRegistrar])
          .post("/v1/participants",
                {{"phone", "0612345678"}, {"addresses", {{{"lat", home.lat}, {"lon", home.lon}}}}}));

  const std::string leaks[] = {"612345678", email, "52.381234", "4.901234", "52.38123", "4.90123"};
  for (const auto& [what, r] : answers) {
    EXPECT_LT(r.status, 500) << what << ": " << r.body;
    for (const auto& leak : leaks)
      EXPECT_EQ(r.body.find(leak), std::string::npos) << what << " shows " << leak << ": " << r.body;
    if (what != "admin audit") {
      EXPECT_EQ(r.body.find(participant), std::string::npos) << what << " names the participant: " << r.body;
    }
  }
  // A second sign-up with a registered number is answered like any other.
  EXPECT_EQ(answers.back().second.status, 201);
  EXPECT_EQ(answers.back().second.json()["status"], "pending_verification");
  EXPECT_EQ(database.scalar("SELECT count(*) FROM participants WHERE id = '" + participant + "'"), "1")
      << "no action role could erase it";
}

}  // namespace
}  // namespace burgernet::testing
