// The smtp driver against a fake SMTP server on loopback: STARTTLS and AUTH before any mail,
// both MIME parts and the headers, reply codes to Retry or Failed, refusal of a server without
// STARTTLS, timeouts, one connection per batch, and no address or password in a reason or log.
#include "channel/smtp/smtp_channel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "burgernet/channel/registry.hpp"
#include "support/channel_harness.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_smtp_server.hpp"

using namespace burgernet;
using namespace burgernet::testing;
using namespace std::chrono_literals;
using channel::Failed;
using channel::OutboundMessage;
using channel::Retry;
using channel::SendResult;
using channel::Sent;

namespace {

const std::string kAddress = "jan.jansen@example.nl";
const std::string kPassword = "smtp-pa55word-XYZ";

// The message's headers (unfolded) and its parts by content type, decoded.
struct ParsedMail {
  std::map<std::string, std::string> headers;
  std::map<std::string, std::string> parts;
};

ParsedMail parse(const std::string& data) {
  ParsedMail out;
  const auto end = data.find("\r\n\r\n");
  std::string head = data.substr(0, end);
  std::string unfolded;
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head.compare(i, 3, "\r\n ") == 0) {
      i += 2;
      continue;
    }
    unfolded += head[i];
  }
  std::stringstream lines(unfolded);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon != std::string::npos) out.headers[line.substr(0, colon)] = line.substr(colon + 2);
  }
  const auto& type = out.headers["Content-Type"];
  const auto b = type.find("boundary=\"");
  if (b == std::string::npos) return out;
  const std::string boundary = type.substr(b + 10, type.find('"', b + 10) - b - 10);
  std::size_t at = data.find("--" + boundary + "\r\n");
  while (at != std::string::npos) {
    const std::size_t start = at + boundary.size() + 4;
    const std::size_t next = data.find("\r\n--" + boundary, start);
    if (next == std::string::npos) break;
    const std::string part = data.substr(start, next - start);
    const auto body = part.find("\r\n\r\n");
    const std::string part_head = part.substr(0, body);
    const auto ct = part_head.find("Content-Type: ");
    const std::string content_type = part_head.substr(ct + 14, part_head.find(';', ct) - ct - 14);
    EXPECT_NE(part_head.find("charset=UTF-8"), std::string::npos) << part_head;
    EXPECT_NE(part_head.find("Content-Transfer-Encoding: base64"), std::string::npos) << part_head;
    out.parts[content_type] = from_base64(part.substr(body + 4));
    at = data.find("--" + boundary + "\r\n", next + 2);
  }
  return out;
}

std::string decode_words(const std::string& header) {
  std::string out;
  std::size_t at = 0;
  while ((at = header.find("=?UTF-8?B?", at)) != std::string::npos) {
    const auto end = header.find("?=", at + 10);
    out += from_base64(header.substr(at + 10, end - at - 10));
    at = end + 2;
  }
  return out;
}

OutboundMessage mail_message() {
  OutboundMessage m;
  m.delivery_id = 7;
  m.action_id = "00000000-0000-0000-0000-0000000000a1";
  m.channel = "email";
  m.kind = "action";
  m.to = kAddress;
  m.title = "Burgernet: Vermiste jongen – rode jas";
  m.text = "Gezocht: jongen <8 jaar> & \"rode\" jas.\n\nBel 112 of 0800-0011.";
  return m;
}

class SmtpChannelTest : public ::testing::Test {
 protected:
  void SetUp() override { std::ofstream(dir_ + "/password") << kPassword << "\n"; }
  void TearDown() override {
    EXPECT_EQ(log_.text().find(kPassword), std::string::npos) << log_.text();
    EXPECT_EQ(log_.text().find(kAddress), std::string::npos) << log_.text();
    pool_.join();
  }

  std::shared_ptr<channel::Channel> make(const FakeSmtpServer& server,
                                         nlohmann::json extra = nlohmann::json::object()) {
    config::ChannelConfig c;
    c.name = "email";
    c.driver = "smtp";
    c.timeout = std::chrono::milliseconds(extra.value("timeout_ms", 3000));
    c.circuit_failures = extra.value("circuit_failures", 5);
    c.circuit_open = std::chrono::milliseconds(extra.value("circuit_open_ms", 30000));
    c.settings = {{"driver", "smtp"},
                  {"url", server.url()},
                  {"from", "Burgernet <noreply@burgernet.example>"},
                  {"username", "burgernet"},
                  {"password_file", dir_ + "/password"},
                  {"ca_file", extra.value("ca_file", server.ca_file())}};
    config::Config config;
    config.channels.emplace(c.name, c);
    return channel::make_channels(config, pool_.get_executor()).at("email");
  }

  std::vector<SendResult> send(channel::Channel& channel, std::vector<OutboundMessage> batch) {
    auto results = send_batch(channel, std::move(batch), io_);
    for (const auto& result : results) {
      const std::string reason = reason_of(result);
      EXPECT_EQ(reason.find("jansen"), std::string::npos) << reason;
      EXPECT_EQ(reason.find(kPassword), std::string::npos) << reason;
      EXPECT_EQ(reason.find("127.0.0.1"), std::string::npos) << reason;
    }
    return results;
  }
  SendResult send_one(channel::Channel& channel) {
    auto results = send(channel, {mail_message()});
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? SendResult(Retry{}) : results.front();
  }

  CapturedLog log_{"smtp"};
  boost::asio::io_context io_;
  boost::asio::thread_pool pool_{2};
  std::string dir_ = make_temp_dir("smtp-secrets-");
};

bool before(const std::vector<std::string>& commands, const std::string& first, const std::string& then) {
  std::optional<std::size_t> a, b;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (!a && commands[i].starts_with(first)) a = i;
    if (!b && commands[i].starts_with(then)) b = i;
  }
  return a && b && *a < *b;
}

// Every one of `count` results is a Retry for `reason` that keeps the message's attempts.
::testing::AssertionResult all_kept(const std::vector<SendResult>& results, std::size_t count,
                                    const std::string& reason) {
  if (results.size() != count) return ::testing::AssertionFailure() << results.size() << " results";
  for (const auto& result : results) {
    const auto* retry = std::get_if<Retry>(&result);
    if (!retry || retry->reason != reason || retry->counts_attempt) {
      return ::testing::AssertionFailure()
             << "not kept for \"" << reason << "\": \"" << reason_of(result) << "\""
             << (retry && retry->counts_attempt ? " (counts an attempt)" : "");
    }
  }
  return ::testing::AssertionSuccess();
}

TEST_F(SmtpChannelTest, MailArrivesWithBothPartsAndTheRightHeadersAfterStartTlsAndAuth) {
  FakeSmtpServer server;
  auto channel = make(server);
  const auto result = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Sent>(result)) << std::get_if<Retry>(&result)->reason;
  ASSERT_EQ(server.mails().size(), 1u);
  const auto mail = server.mails().front();
  EXPECT_TRUE(mail.over_tls);
  EXPECT_EQ(mail.auth_user, "burgernet");
  EXPECT_EQ(mail.mail_from, "<noreply@burgernet.example>");
  ASSERT_EQ(mail.rcpt_to.size(), 1u);
  EXPECT_EQ(mail.rcpt_to.front(), "<" + kAddress + ">");
  const auto commands = server.commands();
  ASSERT_FALSE(commands.empty());
  EXPECT_EQ(commands.front(), "EHLO burgernet.example");  // the sender's domain, not this host's name
  EXPECT_TRUE(before(commands, "STARTTLS", "AUTH"));
  EXPECT_TRUE(before(commands, "AUTH", "MAIL FROM"));

  const auto parsed = parse(mail.data);
  EXPECT_EQ(parsed.headers.at("From"), "Burgernet <noreply@burgernet.example>");
  EXPECT_EQ(parsed.headers.at("To"), "<" + kAddress + ">");
  EXPECT_TRUE(parsed.headers.at("Subject").starts_with("=?UTF-8?B?")) << parsed.headers.at("Subject");
  EXPECT_EQ(decode_words(parsed.headers.at("Subject")), mail_message().title);
  EXPECT_EQ(parsed.headers.at("MIME-Version"), "1.0");
  EXPECT_TRUE(parsed.headers.at("Message-ID").ends_with("@burgernet.example>"));
  EXPECT_EQ(std::get<Sent>(result).provider_ref, parsed.headers.at("Message-ID"));
  const auto now = channel::SmtpChannel::rfc5322_date(std::chrono::system_clock::now());
  EXPECT_EQ(parsed.headers.at("Date").substr(0, 16), now.substr(0, 16));  // "Sun, 29 Nov 2026"
  EXPECT_TRUE(parsed.headers.at("Date").ends_with(" +0000"));
  EXPECT_TRUE(parsed.headers.at("Content-Type").starts_with("multipart/alternative; boundary="));
  ASSERT_EQ(parsed.parts.size(), 2u);
  EXPECT_EQ(parsed.parts.at("text/plain"),
            "Gezocht: jongen <8 jaar> & \"rode\" jas.\r\n\r\nBel 112 of 0800-0011.\r\n");
  const auto& html = parsed.parts.at("text/html");
  EXPECT_NE(html.find("Gezocht: jongen &lt;8 jaar&gt; &amp; &quot;rode&quot; jas.<br>"), std::string::npos)
      << html;
  EXPECT_NE(html.find("<title>Burgernet: Vermiste jongen – rode jas</title>"), std::string::npos) << html;
  EXPECT_EQ(html.find("<8 jaar>"), std::string::npos);
}

TEST_F(SmtpChannelTest, AuthLoginWorksWhereItIsAllTheServerOffers) {
  FakeSmtpServer server({.auth = "LOGIN"});
  auto channel = make(server);
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one(*channel)));
  ASSERT_EQ(server.mails().size(), 1u);
  EXPECT_EQ(server.mails().front().auth_mechanism, "LOGIN");
}

TEST_F(SmtpChannelTest, ImplicitTlsWithSmtps) {
  FakeSmtpServer server({.starttls = false, .implicit_tls = true});
  auto channel = make(server);
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one(*channel)));
  ASSERT_EQ(server.mails().size(), 1u);
  EXPECT_TRUE(server.mails().front().over_tls);
}

TEST_F(SmtpChannelTest, UnknownRecipientFailsWithoutRetry) {
  FakeSmtpServer server;
  server.reply_at_rcpt("550 5.1.1 <" + kAddress + ">: Recipient address rejected: User unknown");
  auto channel = make(server);
  const auto result = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_EQ(std::get<Failed>(result).reason, "smtp: reply 550");
  EXPECT_TRUE(server.mails().empty());
}

TEST_F(SmtpChannelTest, TemporaryRejectionIsARetry) {
  FakeSmtpServer server;
  server.reply_at_rcpt("451 4.7.1 Greylisted, try again later");
  auto channel = make(server);
  const auto result = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_EQ(std::get<Retry>(result).reason, "smtp: reply 451");
  EXPECT_TRUE(server.mails().empty());
  // The same server accepts it later, over the same handle.
  server.reply_at_rcpt("");
  EXPECT_TRUE(std::holds_alternative<Sent>(send_one(*channel)));
  EXPECT_EQ(server.mails().size(), 1u);
}

TEST_F(SmtpChannelTest, ServerWithoutStartTlsGetsNothingInTheClear) {
  FakeSmtpServer server({.starttls = false, .auth = ""});
  auto channel = make(server);
  const auto result = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_EQ(std::get<Retry>(result).reason, "smtp: STARTTLS not offered");
  EXPECT_TRUE(server.mails().empty());
  for (const auto& command : server.commands()) {
    EXPECT_FALSE(command.starts_with("MAIL") || command.starts_with("AUTH") || command.starts_with("RCPT"))
        << command;
  }
}

TEST_F(SmtpChannelTest, UntrustedCertificateIsNeverSentToAndHoldsTheMail) {
  FakeSmtpServer server;
  FakeSmtpServer other;  // another test CA
  auto channel = make(server, {{"ca_file", other.ca_file()}});
  for (int i = 0; i < 2; ++i) {
    // Never offered, and only an operator can fix it: no attempt is spent.
    EXPECT_TRUE(all_kept(send(*channel, {mail_message(), mail_message()}), 2, "smtp: TLS error"));
  }
  EXPECT_TRUE(server.mails().empty());
  for (const auto& command : server.commands()) EXPECT_FALSE(command.starts_with("AUTH")) << command;
  // One error line for the episode, and a count for the metric.
  const std::string log = log_.text();
  EXPECT_NE(log.find("[error] smtp: channel email: the TLS handshake with the SMTP server failed"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("TLS handshake with the SMTP server failed"),
            log.rfind("TLS handshake with the SMTP server failed"))
      << log;
  const auto* smtp = dynamic_cast<channel::SmtpChannel*>(channel.get());
  ASSERT_NE(smtp, nullptr);
  EXPECT_EQ(smtp->held_counts().at("tls"), 4u);
}

TEST_F(SmtpChannelTest, EveryAttemptOfADeliveryHasOneMessageIdAndAnotherDeliveryAnother) {
  FakeSmtpServer server;
  auto channel = make(server);
  auto other = mail_message();
  other.delivery_id = 8;
  const auto results = send(*channel, {mail_message(), mail_message(), other});
  for (const auto& result : results) ASSERT_TRUE(std::holds_alternative<Sent>(result)) << reason_of(result);
  ASSERT_EQ(server.mails().size(), 3u);
  const auto id = [&](std::size_t i) { return parse(server.mails()[i].data).headers.at("Message-ID"); };
  EXPECT_EQ(id(0), "<" + channel::idempotency_key(mail_message()) + "@burgernet.example>");
  EXPECT_EQ(id(1), id(0));
  EXPECT_NE(id(2), id(0));
  EXPECT_EQ(std::get<Sent>(results[0]).provider_ref, id(0));
}

TEST_F(SmtpChannelTest, StallPastTheTimeoutIsARetry) {
  FakeSmtpServer server;
  server.stall_at_rcpt(true);
  auto channel = make(server, {{"timeout_ms", 500}});
  const auto started = std::chrono::steady_clock::now();
  const auto results = send(*channel, {mail_message(), mail_message(), mail_message()});
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(results.size(), 3u);
  for (const auto& result : results) {
    ASSERT_TRUE(std::holds_alternative<Retry>(result));
    EXPECT_EQ(std::get<Retry>(result).reason, "smtp: timeout");
  }
  // One timeout for the batch, not one per message.
  EXPECT_GE(took, 450ms);
  EXPECT_LT(took, 1500ms);
  server.stall_at_rcpt(false);
}

TEST_F(SmtpChannelTest, RefusedConnectionIsARetry) {
  config::ChannelConfig c;
  c.name = "email";
  c.driver = "smtp";
  c.settings = {{"driver", "smtp"},
                {"url", "smtp://127.0.0.1:" + std::to_string(free_port())},
                {"from", "noreply@burgernet.example"}};
  config::Config config;
  config.channels.emplace(c.name, c);
  auto channel = channel::make_channels(config, pool_.get_executor()).at("email");
  const auto result = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_EQ(std::get<Retry>(result).reason, "smtp: connection refused");
}

TEST_F(SmtpChannelTest, ABatchSharesOneConnection) {
  FakeSmtpServer server;
  auto channel = make(server);
  std::vector<OutboundMessage> batch;
  for (int i = 0; i < 5; ++i) {
    auto m = mail_message();
    m.delivery_id = 100 + i;
    m.to = "person" + std::to_string(i) + "@example.nl";
    batch.push_back(m);
  }
  const auto started = std::chrono::steady_clock::now();
  const auto results = send(*channel, batch);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (const auto& r : results) EXPECT_TRUE(std::holds_alternative<Sent>(r));
  ASSERT_EQ(server.mails().size(), 5u);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(server.mails()[i].rcpt_to.front(), "<person" + std::to_string(i) + "@example.nl>");
  std::cout << "[ smtp ] 5 mails in one batch: " << took << " s, " << server.connections_accepted()
            << " connection(s)\n";
  EXPECT_EQ(server.connections_accepted(), 1u);
  // And the next batch still uses it.
  send(*channel, {mail_message()});
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST_F(SmtpChannelTest, WrongPasswordKeepsTheMessagesForAnOperatorToFix) {
  FakeSmtpServer server({.password = "another"});
  auto channel = make(server);
  const auto result = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_EQ(std::get<Retry>(result).reason, "smtp: authentication failed");
  EXPECT_FALSE(std::get<Retry>(result).counts_attempt);  // an operator's error, not the message's
  EXPECT_TRUE(server.mails().empty());
  // One error that says what happened and what to do, naming the channel but no secret.
  const std::string log = log_.text();
  EXPECT_NE(log.find("[error] smtp: channel email: the SMTP server refused the login (reply 535)"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("channels.email.password_file is read again"), std::string::npos) << log;
}

TEST_F(SmtpChannelTest, RefusedLoginsOpenTheCircuitAndTheMailWaitsWithItsAttemptsUntilThePasswordIsFixed) {
  FakeSmtpServer server;
  const std::string wrong = "an-0ld-pa55word";
  std::ofstream(dir_ + "/password") << wrong << "\n";
  auto channel = make(server, {{"circuit_failures", 2}, {"circuit_open_ms", 1500}});
  const std::vector<OutboundMessage> batch = {mail_message(), mail_message(), mail_message()};
  const auto logins = [&] {
    const auto commands = server.commands();
    return std::count_if(commands.begin(), commands.end(),
                         [](const auto& c) { return c.starts_with("AUTH"); });
  };
  for (int refused = 1; refused <= 2; ++refused) {
    EXPECT_TRUE(all_kept(send(*channel, batch), 3, "smtp: authentication failed"));
    EXPECT_EQ(logins(), refused);  // one login per batch, not one per message
  }
  // The circuit is open: the next batch waits without a connection, keeping its attempts.
  const auto connections = server.connections_accepted();
  const auto postponed = send(*channel, batch);
  EXPECT_TRUE(all_kept(postponed, 3, "smtp: circuit open"));
  EXPECT_TRUE(std::get<Retry>(postponed.front()).after.has_value());
  EXPECT_EQ(server.connections_accepted(), connections);
  EXPECT_EQ(logins(), 2);
  // Two refused logins, one error line; the circuit's opening is a warning of its own.
  const std::string log = log_.text();
  EXPECT_NE(log.find("refused the login"), std::string::npos) << log;
  EXPECT_EQ(log.find("refused the login"), log.rfind("refused the login")) << log;
  EXPECT_NE(log.find("smtp: circuit open after repeated failures (smtp: authentication failed)"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find(wrong), std::string::npos) << log;

  // The operator puts the right password in the file (no restart); once the circuit's time is
  // up, the kept mail goes.
  std::ofstream(dir_ + "/password") << kPassword << "\n";
  std::this_thread::sleep_for(1600ms);
  const auto sent = send(*channel, batch);
  ASSERT_EQ(sent.size(), 3u);
  for (const auto& result : sent) EXPECT_TRUE(std::holds_alternative<Sent>(result)) << reason_of(result);
  EXPECT_EQ(server.mails().size(), 3u);
}

TEST_F(SmtpChannelTest, AServerThatKeepsTimingOutIsOfferedNoMailWhileTheCircuitIsOpen) {
  FakeSmtpServer server;
  server.stall_at_rcpt(true);
  auto channel = make(server, {{"timeout_ms", 300}, {"circuit_failures", 1}, {"circuit_open_ms", 1500}});
  const auto results = send(*channel, {mail_message(), mail_message(), mail_message()});
  ASSERT_EQ(results.size(), 3u);
  for (const auto& result : results) {
    ASSERT_TRUE(std::holds_alternative<Retry>(result));
    EXPECT_EQ(std::get<Retry>(result).reason, "smtp: timeout");
  }
  // Only the message that met the timeout spends an attempt: the others were never offered.
  EXPECT_TRUE(std::get<Retry>(results[0]).counts_attempt);
  EXPECT_FALSE(std::get<Retry>(results[1]).counts_attempt);
  EXPECT_FALSE(std::get<Retry>(results[2]).counts_attempt);

  const auto connections = server.connections_accepted();
  EXPECT_TRUE(all_kept(send(*channel, {mail_message()}), 1, "smtp: circuit open"));
  EXPECT_EQ(server.connections_accepted(), connections);

  server.stall_at_rcpt(false);
  std::this_thread::sleep_for(1600ms);
  EXPECT_TRUE(std::holds_alternative<Sent>(send_one(*channel)));
  EXPECT_EQ(server.mails().size(), 1u);
}

TEST(SmtpCompose, LongNonAsciiSubjectsFoldIntoShortEncodedWords) {
  const std::string subject =
      "Burgernet: Vermiste jongen – gezien bij café ‘De Gouden Leeuw’, Damrak, Amsterdam-Centrum";
  const auto encoded = channel::SmtpChannel::encode_header(subject);
  std::stringstream words(encoded);
  for (std::string line; std::getline(words, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.starts_with(" ")) line.erase(0, 1);
    EXPECT_LE(line.size(), 75u) << line;
    EXPECT_TRUE(line.starts_with("=?UTF-8?B?") && line.ends_with("?=")) << line;
  }
  EXPECT_EQ(decode_words(encoded), subject);
  EXPECT_EQ(channel::SmtpChannel::encode_header("Burgernet: Inbraak"), "Burgernet: Inbraak");
}

TEST(SmtpCompose, AMessageIdHoldsOnlyWhatAMsgIdMay) {
  OutboundMessage m = mail_message();
  EXPECT_EQ(channel::SmtpChannel::message_id(m, "Burgernet <noreply@burgernet.example>"),
            "<burgernet-00000000-0000-0000-0000-0000000000a1-7@burgernet.example>");
  m.action_id = "a1>\r\nBcc: x@y";
  const std::string id = channel::SmtpChannel::message_id(m, "noreply@burgernet.example");
  EXPECT_EQ(id.find_first_of("\r\n >:"), id.size() - 1) << id;  // only the closing '>'
  m.action_id.reset();                                          // a verification code: no action
  EXPECT_EQ(channel::SmtpChannel::message_id(m, "noreply@burgernet.example"),
            "<burgernet-verification-7@burgernet.example>");
}

TEST(SmtpCompose, ATitleCannotAddAHeader) {
  OutboundMessage m = mail_message();
  m.title = "Inbraak\r\nBcc: everyone@example.nl";
  const auto mail =
      channel::SmtpChannel::compose(m, {"noreply@burgernet.example", kAddress,
                                        "Sun, 29 Nov 2026 01:00:00 +0000", "<1@burgernet.example>", "b0und"});
  EXPECT_EQ(mail.find("\r\nBcc:"), std::string::npos);
  EXPECT_NE(mail.find("Subject: Inbraak  Bcc: everyone@example.nl\r\n"), std::string::npos);
}

}  // namespace
