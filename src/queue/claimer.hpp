// The claim: up to N due rows of one channel, leased to one claim, with what it takes to send them.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "burgernet/db/pool.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"

namespace burgernet::queue {

struct ClaimedRow {
  std::int64_t id = 0;
  std::optional<std::string> action_id;
  std::string kind;  // action | update | closing | verification
  // '' to send; otherwise the outcome instead (expired, cancelled, wait: see DeliveriesClaim).
  std::string skip;
  std::optional<std::string> body, phone, email, push_token, message_text, title, category, action_kind;
  // A broadcast's target (migration 0023): the social account or push topic; nullopt: the default.
  std::optional<std::string> target;
  // A device-matching push's area for the app (migration 0024): JSON, merged into the data.
  std::optional<std::string> push_area;
  std::string language;                   // the participant's, '' for none (a broadcast)
  std::vector<std::string> centre_areas;  // actions.centre_areas: the region of the text
  int attempt = 1;
  std::string open_error;            // a sealed field that did not open: the delivery fails with this
  std::optional<double> parent_due_s;  // skip == "wait": when the action message it follows may go
};

// Claims for `owner` with a lease of `lease_s`, and opens the sealed phone numbers, addresses and
// push tokens on the database thread: they exist in clear only in memory, just before sending.
boost::asio::awaitable<std::vector<ClaimedRow>> claim_rows(db::Pool& pool, const privacy::PersonalDataKeys& keys,
                                                           const std::string& channel, int limit,
                                                           const std::string& owner, double lease_s);

}  // namespace burgernet::queue
