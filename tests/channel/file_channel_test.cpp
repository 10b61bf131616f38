// The file driver: concurrent writers never interleave or lose a line.
#include "channel/file/file_channel.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

using namespace burgernet::channel;

TEST(FileChannel, ConcurrentWritersWriteCompleteLinesAndLoseNone) {
  const auto dir = std::filesystem::temp_directory_path() / ("file-channel-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const auto path = (dir / "nested" / "sms.jsonl").string();
  boost::asio::thread_pool blocking(4);
  constexpr int kThreads = 8, kBatches = 50, kPerBatch = 20;
  std::vector<std::thread> threads;
  std::atomic<int> sent{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread its own channel object: like several daemons on one file.
      FileChannel channel(path, blocking.get_executor());
      boost::asio::io_context io;
      for (int b = 0; b < kBatches; ++b) {
        std::vector<OutboundMessage> batch;
        for (int i = 0; i < kPerBatch; ++i) {
          const std::int64_t id = (t * kBatches + b) * kPerBatch + i;
          batch.push_back({id, "a-1", "sms", "action", "+31612345678", "", std::string(300, 'x') + " ë", {}, nullptr});
        }
        auto future = boost::asio::co_spawn(io, channel.send(batch), boost::asio::use_future);
        io.run();
        io.restart();
        for (const auto& r : future.get()) sent += std::holds_alternative<Sent>(r) ? 1 : 0;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(sent.load(), kThreads * kBatches * kPerBatch);
  std::ifstream in(path);
  std::set<std::int64_t> ids;
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    const auto json = nlohmann::json::parse(line);  // throws on a torn line
    ids.insert(json.at("delivery_id").get<std::int64_t>());
    EXPECT_EQ(json.at("to"), "+31612345678");
    EXPECT_TRUE(json.at("sent_at").get<std::string>().ends_with("Z"));
  }
  EXPECT_EQ(lines, kThreads * kBatches * kPerBatch);
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(lines));
  std::filesystem::remove_all(dir);
}

TEST(FileChannel, FormatHasTheSpecFieldsAndNullForBroadcast) {
  OutboundMessage m{7, std::nullopt, "twitter", "closing", std::nullopt, "t", "tekst", {}, nullptr};
  const auto json = nlohmann::json::parse(FileChannel::format({m}, "2026-01-01T00:00:00.000Z"));
  EXPECT_EQ(json, (nlohmann::json{{"delivery_id", 7}, {"action_id", nullptr}, {"channel", "twitter"}, {"kind", "closing"},
                                  {"to", nullptr}, {"text", "tekst"}, {"sent_at", "2026-01-01T00:00:00.000Z"}}));
}
