// The redaction layer masks personal data and secrets and leaves ordinary log lines alone.
#include "burgernet/log/redaction.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace burgernet::log {
namespace {

TEST(Redact, PhoneNumbersInEveryFormWeAccept) {
  EXPECT_EQ(redact("to +31612345678 now"), "to [phone] now");
  EXPECT_EQ(redact("to +31 6 1234 5678."), "to [phone].");
  EXPECT_EQ(redact("national 0612345678"), "national [phone]");
  EXPECT_EQ(redact("national 06-12345678"), "national [phone]");
  EXPECT_EQ(redact("landline 020 123 4567;"), "landline [phone];");
  EXPECT_EQ(redact("intl 0031612345678"), "intl [phone]");
  EXPECT_EQ(redact("/v1/x?phone=%2B31612345678&a=1"), "/v1/x?phone=[phone]&a=1");
  EXPECT_EQ(redact("{\"phone\":\"+31612345678\"}"), "{\"phone\":\"[phone]\"}");
}

TEST(Redact, EmailTokensAndCoordinates) {
  EXPECT_EQ(redact("mail jan.de.vries+x@example.nl."), "mail [email].");
  EXPECT_EQ(redact("q=jan%40example.nl"), "q=[email]");
  EXPECT_EQ(redact("Authorization: Bearer abc.def-ghi"), "Authorization: Bearer [token]");
  EXPECT_EQ(redact("token bn_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde"), "token [token]");
  EXPECT_EQ(redact("device bnd_AbCdEfGhIjKlMnOpQrSt"), "device [token]");
  EXPECT_EQ(redact("at 52.370216,4.895168"), "at [coord],[coord]");
  EXPECT_EQ(redact("{\"lat\":52.3702,\"lon\":-4.8951}"), "{\"lat\":[coord],\"lon\":[coord]}");
}

TEST(Redact, LeavesOrdinaryLinesAlone) {
  const std::string lines[] = {
      "2026-11-28T20:01:20.123+0000 info http GET /v1/actions/{id} 200 1.3ms id=9f3a2b7c01d4e5f6 caller=ops",
      "burgernetd listening on 127.0.0.1:8080",
      "fan-out: 50000 of 3000000 rows written for 3f2a0b1c-9d8e-4f70-a1b2-c3d4e5f60718",
      "database schema is at version 5, this daemon needs 5",
      "retry in 2.5s after 3 attempts",
      "bn_short is no secret",
      "action aa77d64d-0612-3456-78a9-0f1e2d3c4b5a raised",  // digits across UUID groups
  };
  for (const auto& line : lines) EXPECT_EQ(redact(line), line);
}

TEST(RedactingFormatter, EverythingALoggerWritesIsRedacted) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto logger = std::make_shared<spdlog::logger>("redaction-test", sink);
  logger->set_formatter(redacting_formatter("%l %v"));
  logger->info("participant {} at {},{} mail {}", "+31612345678", 52.123456, 4.123456, "a@b.nl");
  EXPECT_EQ(out.str(), "info participant [phone] at [coord],[coord] mail [email]\n");
}

}  // namespace
}  // namespace burgernet::log
