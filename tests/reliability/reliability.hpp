// What the reliability tests share: a large population with real (sealed) phone numbers and push
// tokens inserted in bulk, the fake provider's requests read back as messages, and repeat counts.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <tuple>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "action/population.hpp"
#include "burgernet/net/encoding.hpp"
#include "support/fake_provider.hpp"

namespace burgernet::testing::reliability {

// BURGERNET_SOAK=1 runs the full sizes and outages; the everyday run stays small.
inline bool soak() {
  const char* value = std::getenv("BURGERNET_SOAK");
  return value != nullptr && std::string(value) == "1";
}
inline int sized(int everyday, int soak_size) { return soak() ? soak_size : everyday; }

struct Population {
  std::vector<std::string> phones;       // every participant's number, in clear
  std::vector<std::string> push_tokens;  // the devices' tokens, in clear
};

// `n` active participants on a square grid around centre(), `spacing_m` apart (so a circle of
// spacing_m * sqrt(n) / sqrt(2) + a little holds them all), each with one address choosing
// `channels`, and every `device_every`-th (0: none) with one push device. Numbers are
// "+316" + `series` + 7 digits: a series per test keeps them apart. Inserted by SQL in chunks of a
// few thousand rows, sealed with the test keys as the API would, so the real drivers can send.
inline Population insert_population(TestDatabase& db, int n, const std::string& channels, int device_every,
                                    double spacing_m = 10, char series = '3') {
  Population out;
  const auto& keys = test_keys();
  const int side = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))));
  const double half = spacing_m * (side - 1) / 2.0;
  constexpr int kChunk = 2500;
  for (int from = 0; from < n; from += kChunk) {
    std::ostringstream values;
    for (int i = from; i < std::min(n, from + kChunk); ++i) {
      char digits[16];
      std::snprintf(digits, sizeof digits, "%07d", i);
      const std::string phone = std::string("+316") + series + digits;
      out.phones.push_back(phone);
      std::string token = "NULL::bytea";
      if (device_every > 0 && i % device_every == 0) {
        const std::string clear = "push-" + std::string(1, series) + digits;
        out.push_tokens.push_back(clear);
        token = "'" + keys.seal(clear, "push_token") + "'::bytea";
      }
      values << (i == from ? "" : ",") << "(" << i << ", '" << keys.seal(phone, "phone") << "'::bytea, '"
             << keys.lookup(phone) << "'::bytea, " << token << ")";
    }
    db.scalar("WITH v(i, phone, lookup, token) AS (VALUES " + values.str() +
              "), p AS (INSERT INTO participants (status, phone_sealed, phone_lookup, verified_at) "
              "  SELECT 'active', phone, lookup, now() FROM v ORDER BY i RETURNING id, phone_lookup), "
              "a AS (INSERT INTO participant_addresses (participant_id, position, location, channels) "
              "  SELECT p.id, 0, ST_Translate(" + sql_point(centre()) + ", (v.i % " + std::to_string(side) +
              ") * " + std::to_string(spacing_m) + " - " + std::to_string(half) + ", (v.i / " +
              std::to_string(side) + ") * " + std::to_string(spacing_m) + " - " + std::to_string(half) +
              "), '" + channels + "' FROM p JOIN v ON v.lookup = p.phone_lookup RETURNING 1) "
              "INSERT INTO devices (participant_id, platform, push_token_sealed, secret_hash) "
              "  SELECT p.id, 'android', v.token, decode(md5(p.id::text), 'hex') "
              "  FROM p JOIN v ON v.lookup = p.phone_lookup WHERE v.token IS NOT NULL");
  }
  return out;
}

// The radius that holds insert_population's grid, with a margin.
inline double grid_radius_m(int n, double spacing_m = 10) {
  return spacing_m * std::ceil(std::sqrt(static_cast<double>(n))) / std::sqrt(2.0) + 100;
}

// One request at the fake provider, read as the message it carries.
struct Message {
  std::string route;  // sms, voice, push, x, or the target when unknown
  std::string to;     // phone number or push token; "" for a post
  std::string text;   // SMS body, TwiML, notification body, post text
  std::string key;    // the idempotency key the driver sent (X: the text, which X refuses twice)
  bool key_consistent = true;  // FCM: collapse key, APNs collapse id and message id agree
};

inline Message read_message(const RecordedRequest& r) {
  Message m;
  if (r.target.ends_with("/Messages.json") || r.target.ends_with("/Calls.json")) {
    m.route = r.target.ends_with("/Messages.json") ? "sms" : "voice";
    std::map<std::string, std::string> form;
    for (auto& [k, v] : net::form_decode(r.body)) form[k] = v;
    m.to = form["To"];
    m.text = m.route == "sms" ? form["Body"] : form["Twiml"];
    const auto key = r.headers.find("i-twilio-idempotency-token");
    m.key = key == r.headers.end() ? "" : key->second;
  } else if (r.target.ends_with("/messages:send")) {
    m.route = "push";
    const auto message = nlohmann::json::parse(r.body).at("message");
    m.to = message.at("token");
    m.text = message.at("notification").at("body");
    m.key = message.at("data").value("burgernet_message_id", "");
    const std::string collapse = message.at("android").value("collapse_key", "");
    const std::string apns = message.at("apns").at("headers").value("apns-collapse-id", "");
    m.key_consistent = !m.key.empty() && collapse == m.key && apns == m.key;
  } else if (r.target == "/2/tweets") {
    m.route = "x";
    m.text = nlohmann::json::parse(r.body).at("text");
    m.key = m.text;
  } else {
    m.route = r.target;
  }
  return m;
}

// Requests grouped by what they carry (route, recipient, text): a group of more than one is a
// message sent again. Every request of a group must carry the first one's key.
struct Repeats {
  std::size_t messages = 0;         // distinct messages (groups)
  std::size_t requests = 0;
  std::size_t repeats = 0;          // requests beyond the first of their group
  std::size_t repeats_same_key = 0; // ... that carried the first request's key
  std::size_t without_key = 0;      // requests with no key, or (FCM) keys that disagree
  std::map<std::string, std::size_t> repeats_by_route;
  std::size_t last_repeat = 0;      // the index of the last request that was a repeat
  std::map<std::string, std::set<std::string>> reached;  // route -> recipients (or texts for x)
};

inline Repeats count_repeats(const std::vector<Message>& messages) {
  Repeats out;
  std::map<std::tuple<std::string, std::string, std::string>, std::string> first_key;
  for (const auto& m : messages) {
    ++out.requests;
    if (m.key.empty() || !m.key_consistent) ++out.without_key;
    out.reached[m.route].insert(m.route == "x" ? m.text : m.to);
    const auto [it, inserted] = first_key.try_emplace({m.route, m.to, m.text}, m.key);
    if (inserted) {
      ++out.messages;
    } else {
      ++out.repeats;
      ++out.repeats_by_route[m.route];
      out.last_repeat = out.requests - 1;
      if (it->second == m.key) ++out.repeats_same_key;
    }
  }
  return out;
}

inline std::vector<Message> read_messages(const std::vector<RecordedRequest>& requests) {
  std::vector<Message> out;
  out.reserve(requests.size());
  for (const auto& r : requests) out.push_back(read_message(r));
  return out;
}

}  // namespace burgernet::testing::reliability
