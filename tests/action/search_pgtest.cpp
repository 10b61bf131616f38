// GET /v1/actions as a search: each filter, their combinations, and cursor paging through a
// filtered list without loss or repeat, through the daemon's API.
#include <gtest/gtest.h>

#include <set>

#include "action/population.hpp"
#include "burgernet/net/encoding.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;

const Place kAmsterdam = centre();
const Place kElsewhere = offset(centre(), 20000, 0);

class SearchTest : public ActionDaemonTest {
 protected:
  void SetUp() override {
    add_area("GM0363", kAmsterdam);
    add_area("GM0599", kElsewhere);
    start({{"api_per_token_per_s", 10000}, {"api_per_token_burst", 10000}});
  }

  void add_area(const std::string& code, Place at) { add_square_area(database, code, at); }

  std::string raise(const std::string& title, const std::string& category = "burglary", Place at = centre(),
                    const std::string& kind = "urgent", const std::string& message = "Let op.",
                    const std::string& token = {}) {
    auto body = action(circle(at, 500), kind);
    body["title"] = title;
    body["category"] = category;
    body["message"] = message;
    return raise_action(client(token), body);
  }

  void created(const std::string& id, const std::string& at) {
    database.scalar("UPDATE actions SET created_at = '" + at + "' WHERE id = '" + id + "'");
  }

  // Every id the search finds, page by page (`limit` a page); fails on a repeat.
  std::vector<std::string> all_pages(const std::string& query, int limit, const std::string& token = {}) {
    std::vector<std::string> ids;
    std::set<std::string> seen;
    std::string cursor;
    for (int page = 0; page < 100; ++page) {
      const auto r = client(token).get("/v1/actions?limit=" + std::to_string(limit) + query +
                                       (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200) break;
      const auto body = r.json();
      for (const auto& a : body["actions"]) {
        EXPECT_TRUE(seen.insert(a["id"].get<std::string>()).second) << "repeated " << a["id"];
        ids.push_back(a["id"]);
      }
      if (body["next_cursor"].is_null()) break;
      cursor = body["next_cursor"];
    }
    return ids;
  }

  std::set<std::string> found(const std::string& query, const std::string& token = {}) {
    const auto ids = all_pages(query, 200, token);
    return {ids.begin(), ids.end()};
  }

  static std::string q(const std::string& text) { return net::percent_encode(text); }
};

TEST_F(SearchTest, EachFilterAloneAndCombined) {
  const auto burglary = raise("Inbraak Damstraat", "burglary", kAmsterdam, "urgent", "Man met rode jas.");
  const auto vehicle = raise("Gestolen auto", "vehicle", kElsewhere, "urgent", "Grijze Volvo, kenteken onbekend.");
  const auto alert = raise("Getuigen gezocht", "witness_call", kAmsterdam, "alert", "Wie zag de INBRAAK?");
  const auto percent = raise("100% zeker_dader", "other", kElsewhere, "urgent", "Let op.");
  created(burglary, "2026-01-10T10:00:00Z");
  created(vehicle, "2026-02-10T10:00:00Z");
  created(alert, "2026-03-10T10:00:00Z");
  created(percent, "2026-04-10T10:00:00Z");
  ASSERT_EQ(client().post("/v1/actions/" + vehicle + "/close", {{"outcome", "resolved"}, {"message", "Terug."}}).status,
            200);

  using Ids = std::set<std::string>;
  EXPECT_EQ(found(""), Ids({burglary, vehicle, alert, percent}));
  EXPECT_EQ(found("&status=closed"), Ids({vehicle}));
  EXPECT_EQ(found("&status=active"), Ids({burglary, alert, percent}));
  EXPECT_EQ(found("&kind=alert"), Ids({alert}));
  EXPECT_EQ(found("&kind=urgent"), Ids({burglary, vehicle, percent}));
  EXPECT_EQ(found("&category=vehicle"), Ids({vehicle}));
  EXPECT_EQ(found("&category=amber_alert"), Ids());
  EXPECT_EQ(found("&municipality=GM0363"), Ids({burglary, alert}));
  EXPECT_EQ(found("&municipality=GM0599"), Ids({vehicle, percent}));
  EXPECT_EQ(found("&since=" + q("2026-02-10T10:00:00Z")), Ids({vehicle, alert, percent})) << "since includes";
  EXPECT_EQ(found("&until=" + q("2026-02-10T10:00:00Z")), Ids({burglary})) << "until excludes";
  EXPECT_EQ(found("&since=" + q("2026-02-01T00:00:00+01:00") + "&until=" + q("2026-03-31T00:00:00Z")),
            Ids({vehicle, alert}));
  // Text: title or message, any case; % and _ are literal characters, not wildcards.
  EXPECT_EQ(found("&q=inbraak"), Ids({burglary, alert}));
  EXPECT_EQ(found("&q=VOLVO"), Ids({vehicle}));
  EXPECT_EQ(found("&q=" + q("100%")), Ids({percent}));
  EXPECT_EQ(found("&q=" + q("%")), Ids({percent}));
  EXPECT_EQ(found("&q=" + q("k_r")), Ids()) << "_ matches only an underscore (a wildcard would match zeker)";
  EXPECT_EQ(found("&q=" + q("zeker_")), Ids({percent}));
  // Combined: all must hold.
  EXPECT_EQ(found("&q=inbraak&kind=urgent"), Ids({burglary}));
  EXPECT_EQ(found("&municipality=GM0363&category=witness_call&status=active"), Ids({alert}));
  EXPECT_EQ(found("&municipality=GM0599&status=active&until=" + q("2026-03-01T00:00:00Z")), Ids());
}

TEST_F(SearchTest, PagingThroughAFilteredListLosesAndRepeatsNothing) {
  std::set<std::string> matching;
  for (int i = 0; i < 23; ++i) {
    matching.insert(raise("Zoekterm " + std::to_string(i), "vehicle"));
    raise("Anders " + std::to_string(i), "burglary");
  }
  // Ties on created_at: the cursor orders by (created_at, id).
  database.scalar("UPDATE actions SET created_at = '2026-05-01T12:00:00Z' WHERE title LIKE '%1%'");
  for (int limit : {1, 4, 7, 23, 50}) {
    const auto ids = all_pages("&category=vehicle&q=zoekterm&kind=urgent", limit);
    EXPECT_EQ(ids.size(), 23u) << "limit " << limit;
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), matching) << "limit " << limit;
  }
}

TEST_F(SearchTest, EveryBadValueIsA400NamingItsField) {
  const std::pair<const char*, const char*> bad[] = {
      {"status=open", "status"},
      {"kind=urgentish", "kind"},
      {"category=robbery2", "category"},
      {"municipality=GM0000", "municipality"},
      {"municipality=GM%27%3B", "municipality"},
      {"since=yesterday", "since"},
      {"since=2026-02-30T10:00:00Z", "since"},
      {"until=2026-01-01", "until"},
      {"until=2026-01-01T25:00:00Z", "until"},
      {"q=", "q"},
      {"limit=0", "limit"},
      {"cursor=zz", "cursor"},
  };
  for (const auto& [query, field] : bad) {
    const auto r = client().get(std::string("/v1/actions?") + query);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(r.json()["error"]["field"], field) << query << ": " << r.body;
  }
  EXPECT_EQ(client().get("/v1/actions?q=" + q(std::string(201, 'a'))).status, 400);
}

TEST_F(SearchTest, AMunicipalTokenFindsOnlyItsOwnWhateverTheFilter) {
  const auto municipal = token("municipal", "gemeente-amsterdam", "GM0363");
  const auto own = raise("Getuigen gezocht", "witness_call", kAmsterdam, "alert", "Let op.", municipal);
  const auto police = raise("Getuigen gezocht", "witness_call", kAmsterdam, "alert");
  EXPECT_EQ(found("&municipality=GM0363&q=getuigen", municipal), std::set<std::string>({own}));
  EXPECT_EQ(found("&municipality=GM0363&q=getuigen"), std::set<std::string>({own, police}));
}

}  // namespace
}  // namespace burgernet::testing
