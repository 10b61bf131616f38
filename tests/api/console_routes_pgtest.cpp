// The console's serving (docs/console.md): its files with their content types, the CSP and
// nosniff on every answer, 404 for any name not embedded (traversal included); and the API it
// added: the map's areas in RD, who a token is per role, the rendered texts of a dry run.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>

#include "action/population.hpp"
#include "api/embedded_console.hpp"
#include "burgernet/auth/secret.hpp"
#include "burgernet/sql/query.hpp"
#include "support/daemon_process.hpp"
#include "support/http_client.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;
using Verb = boost::beast::http::verb;

class ConsoleRoutesTest : public DatabaseTest {
 protected:
  void SetUp() override {
    add_square_area(database, "GM0363", centre(), 2000);
    auto config = daemon_config(database.url(), make_temp_dir("burgernet-outbox-"));
    config["queue"] = {{"dispatch", false}};
    config["alerts"] = {{"night_from", "00:00"},
                        {"night_to", "00:00"}};  // equal: no night, whatever the hour
    daemon_ = std::make_unique<DaemonProcess>(config);
    ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
  }

  std::string token(const std::string& role, const std::string& name, const std::string& area = {}) {
    const auto secret = auth::new_secret("bn_");
    database.connection().exec(sql::query("TokenCreate"), name, role,
                               area.empty() ? std::optional<std::string>() : std::optional(area),
                               auth::secret_hash_param(secret), std::optional<std::string>());
    return secret;
  }

  HttpClient anonymous() { return HttpClient(daemon_->port()); }

  std::unique_ptr<DaemonProcess> daemon_;
};

void expect_console_headers(const HttpResult& r, const std::string& what) {
  const auto csp = r.header("content-security-policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << what << ": " << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << what;
  EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos) << what;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << what << ": nothing unsafe is allowed";
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << what;
}

TEST_F(ConsoleRoutesTest, ServesEveryEmbeddedFileWithItsTypeAndTheSecurityHeaders) {
  auto client = anonymous();
  const auto index = client.get("/console/");
  ASSERT_EQ(index.status, 200) << index.body;
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("data-testid=\"whoami\""), std::string::npos);
  expect_console_headers(index, "/console/");
  // No inline script: every <script> has a src.
  for (auto at = index.body.find("<script"); at != std::string::npos;
       at = index.body.find("<script", at + 1)) {
    EXPECT_NE(index.body.substr(at, index.body.find('>', at) - at).find("src="), std::string::npos);
  }

  ASSERT_FALSE(api::embedded_console_files().empty());
  for (const auto& file : api::embedded_console_files()) {
    const std::string name(file.name);
    const auto r = client.get("/console/" + name);
    ASSERT_EQ(r.status, 200) << name;
    EXPECT_EQ(r.body, std::string(file.content)) << name;
    expect_console_headers(r, name);
    EXPECT_EQ(r.header("cache-control"), "no-cache") << name;
    const auto type = r.header("content-type");
    const auto dot = name.rfind('.');
    const std::map<std::string, std::string> types = {{".js", "text/javascript; charset=utf-8"},
                                                      {".css", "text/css; charset=utf-8"},
                                                      {".html", "text/html; charset=utf-8"}};
    ASSERT_TRUE(types.count(name.substr(dot))) << name;
    EXPECT_EQ(type, types.at(name.substr(dot))) << name;
    // The ETag makes a reload cost nothing.
    const auto again =
        client.request(Verb::get, "/console/" + name, "", {{"If-None-Match", r.header("etag")}});
    EXPECT_EQ(again.status, 304) << name;
    EXPECT_TRUE(again.body.empty()) << name;
  }
  // Nothing in the files loads from elsewhere.
  for (const auto& file : api::embedded_console_files()) {
    EXPECT_EQ(std::string(file.content).find("https://"), std::string::npos) << file.name;
    EXPECT_EQ(std::string(file.content).find("localStorage"), std::string::npos) << file.name;
  }

  const auto bare = client.get("/console");
  EXPECT_EQ(bare.status, 308);
  EXPECT_EQ(bare.header("location"), "/console/");
}

TEST_F(ConsoleRoutesTest, AnyOtherNameIsNotFoundAndNothingIsReadFromDisk) {
  auto client = anonymous();
  for (const char* path :
       {"/console/nothing.js", "/console/CONTRACT.md", "/console/..", "/console/%2e%2e",
        "/console/..%2f..%2fCMakeLists.txt", "/console/../CMakeLists.txt", "/console/../../etc/passwd",
        "/console/app.js/", "/console/.%2fapp.js", "/console//app.js"}) {
    const auto r = client.get(path);
    EXPECT_EQ(r.status, 404) << path << ": " << r.body.substr(0, 100);
    EXPECT_EQ(r.body.find("burgernet_embed"), std::string::npos) << path;
  }
  const auto named = client.get("/console/nothing.js");
  expect_console_headers(named, "404");
  EXPECT_EQ(client.request(Verb::post, "/console/app.js", "{}").status, 405);
}

TEST_F(ConsoleRoutesTest, AreasAreSimplifiedSvgPathsInRdForEveryActionRole) {
  const auto operator_token = token("operator", "meldkamer");
  HttpClient client(daemon_->port(), operator_token);
  const auto r = client.get("/v1/areas");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = r.json();
  EXPECT_EQ(body["srid"], 28992);
  ASSERT_EQ(body["areas"].size(), 1u);
  const auto& area = body["areas"][0];
  EXPECT_EQ(area["code"], "GM0363");
  // Around Dam square in RD (x about 121000, y about 487000): SVG y is negated.
  const std::string path = area["path"];
  ASSERT_EQ(path.rfind("M ", 0), 0u) << path;
  const double x = std::stod(path.substr(2));
  const double y = std::stod(path.substr(path.find(' ', 2) + 1));
  EXPECT_NEAR(x, 121000, 3000) << path;
  EXPECT_NEAR(y, -487000, 3000) << path;
  ASSERT_TRUE(body["bbox"].is_array());
  EXPECT_NEAR(body["bbox"][0].get<double>(), 119000, 3000);
  EXPECT_NEAR(body["bbox"][3].get<double>(), 489400, 3000);
  const auto etag = r.header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(client.request(Verb::get, "/v1/areas", "", {{"If-None-Match", etag}}).status, 304);

  EXPECT_EQ(HttpClient(daemon_->port(), token("municipal", "gemeente", "GM0363")).get("/v1/areas").status,
            200);
  EXPECT_EQ(HttpClient(daemon_->port(), token("registrar", "website")).get("/v1/areas").status, 403);
  EXPECT_EQ(anonymous().get("/v1/areas").status, 401);
}

// The 342 municipalities of 2025 (tests/data): the size and time docs/console.md gives.
TEST_F(ConsoleRoutesTest, AllMunicipalitiesFitInASmallAnswer) {
  std::string out, err;
  ASSERT_EQ(
      run_ctl(daemon_->config_path(),
              {"areas", "import", std::string(BURGERNET_SOURCE_DIR) + "/tests/data/gemeenten-2025.geojson"},
              &out, &err),
      0)
      << err;
  HttpClient client(daemon_->port(), token("operator", "meldkamer"));
  const auto started = std::chrono::steady_clock::now();
  const auto r = client.get("/v1/areas");
  const auto ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(r.status, 200);
  const auto body = r.json();
  // Two of the 342 boundaries intersect themselves and are refused by the import.
  EXPECT_GE(body["areas"].size(), 340u);
  std::cout << "GET /v1/areas: " << body["areas"].size() << " areas, " << r.body.size() << " bytes, " << ms
            << " ms (first, uncached)\n";
  EXPECT_LT(r.body.size(), 400u * 1024);
}

TEST_F(ConsoleRoutesTest, SessionSaysWhoTheTokenIsAndTheRulesPerRole) {
  const auto op = HttpClient(daemon_->port(), token("operator", "meldkamer")).get("/v1/session");
  ASSERT_EQ(op.status, 200) << op.body;
  const auto o = op.json();
  EXPECT_EQ(o["role"], "operator");
  EXPECT_TRUE(o["area"].is_null());
  EXPECT_EQ(o["kinds"], json::array({"urgent", "alert"}));
  EXPECT_EQ(o["limits"]["confirm_above"], 25000);
  EXPECT_EQ(o["alerts"]["night_now"], false);
  EXPECT_EQ(o["sms"]["max_segments"], 3);
  EXPECT_EQ(o["tweet"]["max_length"], 280);
  bool voice = false;
  for (const auto& c : o["channels"]) voice = voice || c["form"] == "voice";
  EXPECT_TRUE(voice) << o.dump();

  const auto mu = HttpClient(daemon_->port(), token("municipal", "gemeente", "GM0363")).get("/v1/session");
  ASSERT_EQ(mu.status, 200) << mu.body;
  const auto m = mu.json();
  EXPECT_EQ(m["role"], "municipal");
  EXPECT_EQ(m["area"]["code"], "GM0363");
  EXPECT_EQ(m["area"]["name"], "GM0363");
  EXPECT_EQ(m["kinds"], json::array({"alert"}));
  for (const auto& c : m["channels"]) EXPECT_NE(c["form"], "voice") << "a municipal alert never calls";

  const auto reg = HttpClient(daemon_->port(), token("registrar", "website")).get("/v1/session");
  ASSERT_EQ(reg.status, 200);
  EXPECT_EQ(reg.json()["kinds"], json::array());
  EXPECT_EQ(anonymous().get("/v1/session").status, 401);
}

TEST_F(ConsoleRoutesTest, DryRunRendersTheTextsPerChannelAndLanguage) {
  HttpClient client(daemon_->port(), token("operator", "meldkamer"));
  const json request = {
      {"kind", "urgent"},
      {"category", "burglary"},
      {"title", "Inbraak Damstraat"},
      {"message", "Man met donkere jas."},
      {"area", {{"circle", {{"lat", centre().lat}, {"lon", centre().lon}, {"radius_m", 500}}}}},
      {"dry_run", true}};
  const auto r = client.post("/v1/actions", request);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto texts = r.json()["texts"];
  ASSERT_TRUE(texts.is_array()) << r.body;
  std::set<std::string> seen;
  for (const auto& t : texts) {
    seen.insert(t["channel"].get<std::string>() + "/" + t["language"].get<std::string>());
    EXPECT_NE(t["text"].get<std::string>().find("Man met donkere jas."), std::string::npos) << t.dump();
  }
  for (const char* want : {"sms/nl", "sms/en", "voice/nl", "voice/en", "push/nl", "push/en", "twitter/nl"}) {
    EXPECT_TRUE(seen.count(want)) << want << " in " << texts.dump();
  }
  EXPECT_FALSE(seen.count("twitter/en")) << "social posts are Dutch only";

  auto estimate = request;
  estimate["estimate_only"] = true;
  const auto e = client.post("/v1/actions", estimate);
  ASSERT_EQ(e.status, 200) << e.body;
  EXPECT_FALSE(e.json().contains("texts")) << "the live estimate stays cheap";

  // A municipal token's preview leaves out the channel that calls.
  auto alert = request;
  alert["kind"] = "alert";
  alert["category"] = "witness_call";
  const auto m =
      HttpClient(daemon_->port(), token("municipal", "gemeente", "GM0363")).post("/v1/actions", alert);
  ASSERT_EQ(m.status, 200) << m.body;
  for (const auto& t : m.json()["texts"]) EXPECT_NE(t["form"], "voice") << t.dump();
}

}  // namespace
}  // namespace burgernet::testing
