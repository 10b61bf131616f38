// Rows to messages to outcomes; the lease keeper's flag rides on each message to the driver.
#include "queue/sender.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>


namespace burgernet::queue {

namespace {

std::optional<std::string> address(channel::AddressKind kind, const ClaimedRow& row) {
  switch (kind) {
    case channel::AddressKind::kPushToken:
      return row.push_token;
    case channel::AddressKind::kEmail:
      return row.email;
    case channel::AddressKind::kPhone:
      return row.phone;
    case channel::AddressKind::kNone:
      break;
  }
  return std::nullopt;
}

Outcome skipped(const ClaimedRow& row, const std::string& owner, const std::string& channel) {
  Outcome o;
  o.delivery_id = row.id;
  o.owner = owner;
  o.channel = channel;
  if (row.skip == "wait") {
    // The action message it follows may go at parent_due_s; while it is being sent, look again soon.
    o.kind = Outcome::Kind::kWait;
    o.delay_s = std::clamp(row.parent_due_s.value_or(0) + 0.5, 2.0, 3600.0);
  } else {
    o.kind = row.skip == "expired" ? Outcome::Kind::kExpired : Outcome::Kind::kCancelled;
  }
  return o;
}

}  // namespace

boost::asio::awaitable<SendStats> send_claimed(const SendContext& context, const std::string& owner,
                                               std::vector<ClaimedRow> rows) {
  const auto& name = context.channel_name;
  const bool broadcast = context.capabilities.broadcast();
  std::vector<Outcome> outcomes;
  std::vector<channel::OutboundMessage> batch;
  std::vector<int> attempts;  // of each message in `batch`, for its backoff
  for (const auto& row : rows) {
    if (!row.skip.empty()) {
      outcomes.push_back(skipped(row, owner, name));
      continue;
    }
    if (!row.open_error.empty()) {
      outcomes.push_back(Outcome{row.id, owner, name, Outcome::Kind::kFailed, row.open_error, 0});
      continue;
    }
    // A broadcast goes to its target (an account or a topic), a personal message to its recipient.
    auto to = broadcast ? row.target : address(context.capabilities.address, row);
    if (!broadcast && !to) {
      outcomes.push_back(
          Outcome{row.id, owner, name, Outcome::Kind::kFailed, "no address (participant or device removed)", 0});
      continue;
    }
    if (context.stopping) {
      outcomes.push_back(Outcome{row.id, owner, name, Outcome::Kind::kRelease, "shutdown", 0});
      continue;
    }
    message::RenderInput input{context.capabilities.form, row.kind, row.title.value_or(""), row.category.value_or(""),
                               row.action_kind.value_or(""),
                               row.kind == "verification" ? row.body.value_or("") : row.message_text.value_or(""),
                               row.action_id.value_or(""),
                               row.language,
                               row.centre_areas};
    message::Rendered rendered;
    try {
      rendered = message::render(input, context.render);
    } catch (const std::exception& e) {
      // The same text would fail the same way again: given up, never left without an outcome.
      outcomes.push_back(Outcome{row.id, owner, name, Outcome::Kind::kFailed, std::string("cannot render: ") + e.what(), 0});
      continue;
    }
    // A device-matching push carries its area and message id, for the app to decide (issue 16).
    if (row.push_area) {
      const auto area = nlohmann::json::parse(*row.push_area, nullptr, false);
      if (area.is_object()) {
        for (const auto& [key, value] : area.items()) rendered.data[key] = value;
      }
    }
    attempts.push_back(row.attempt);
    channel::OutboundMessage message{row.id,        row.action_id, name,          row.kind,
                                     std::move(to), rendered.title, rendered.text, rendered.data,
                                     context.keeper.flag(row.id)};
    batch.push_back(std::move(message));
  }
  context.completer.add(std::move(outcomes));
  if (batch.empty()) co_return SendStats{};

  const auto started = std::chrono::steady_clock::now();
  std::vector<channel::SendResult> results;
  std::string failure;
  try {
    results = co_await context.channel->send(batch);
  } catch (const std::exception& e) {
    // Drivers never throw by contract; if one does, its batch is tried again, not lost.
    failure = std::string("driver error: ") + e.what();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  context.send_seconds.observe(seconds);

  SendStats stats{0, seconds};
  std::vector<Outcome> sent;
  sent.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto id = batch[i].delivery_id;
    // A driver that returned too few results: retry the rest rather than guess.
    channel::SendResult result = channel::Retry{std::nullopt, failure.empty() ? "no result" : failure};
    if (i < results.size()) result = results[i];
    const auto* retry = std::get_if<channel::Retry>(&result);
    if (retry && !retry->counts_attempt && context.keeper.lost(id)) {
      // Skipped because the lease was lost: back to the queue if it is still ours after all.
      sent.push_back(Outcome{id, owner, name, Outcome::Kind::kRelease, "lease lost", 0});
      continue;
    }
    if (!retry || retry->counts_attempt) ++stats.offered;
    // The backoff (a random draw) only for what is tried again, not on the path of every sent row.
    const double delay =
        retry ? static_cast<double>(retry_delay(attempts[i], context.retry, context.random, retry->after).count()) / 1000.0
              : 0.0;
    sent.push_back(outcome_of(result, id, owner, name, delay));
  }
  context.completer.add(std::move(sent));
  co_return stats;
}

}  // namespace burgernet::queue
