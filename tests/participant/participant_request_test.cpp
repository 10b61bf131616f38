// Sign-up and change requests are checked field by field before anything is stored.
#include "burgernet/participant/participant_request.hpp"

#include <gtest/gtest.h>

#include "burgernet/domain/errors.hpp"

namespace burgernet::participant {
namespace {

using nlohmann::json;

config::ServiceArea test_config() { return config::ServiceArea{}; }

json address() { return {{"lat", 52.3731}, {"lon", 4.8926}}; }

json sign_up_body() { return {{"phone", "06-12345678"}, {"addresses", json::array({address()})}}; }

// The field an InvalidField names, or "" when the body is accepted.
std::string refused_field(const json& body) {
  try {
    parse_sign_up(body, test_config());
  } catch (const InvalidField& e) {
    return e.field();
  }
  return "";
}

TEST(SignUpRequest, AMinimalSignUpGetsDutchAndVoiceAndSms) {
  const auto request = parse_sign_up(sign_up_body(), test_config());
  EXPECT_EQ(request.phone.e164, "+31612345678");
  EXPECT_EQ(request.language, "nl");
  ASSERT_EQ(request.addresses.size(), 1u);
  EXPECT_EQ(request.addresses[0].channels, (std::vector<std::string>{"voice", "sms"}));
  EXPECT_FALSE(request.addresses[0].quiet_from);
}

TEST(SignUpRequest, EveryDutchWayOfWritingAMobileNumberGivesTheSameE164) {
  for (const char* phone : {"06-12345678", "0612345678", "+31 6 12345678", "0031612345678"}) {
    auto body = sign_up_body();
    body["phone"] = phone;
    EXPECT_EQ(parse_sign_up(body, test_config()).phone.e164, "+31612345678") << phone;
  }
}

TEST(SignUpRequest, NumbersThatCannotReachAPersonAreRefusedNamingThePhoneField) {
  for (const char* phone : {"066-1234567", "0900-1234567", "0800-1234567", "12", "not a number", ""}) {
    auto body = sign_up_body();
    body["phone"] = phone;
    EXPECT_EQ(refused_field(body), "phone") << phone;
  }
  auto body = sign_up_body();
  body["phone"] = 612345678;
  EXPECT_EQ(refused_field(body), "phone");
  body.erase("phone");
  EXPECT_EQ(refused_field(body), "phone");
}

TEST(SignUpRequest, OneToFiveAddresses) {
  auto body = sign_up_body();
  body["addresses"] = json::array();
  EXPECT_EQ(refused_field(body), "addresses");
  body["addresses"] = json::array({address(), address(), address(), address(), address()});
  EXPECT_EQ(refused_field(body), "");
  body["addresses"].push_back(address());
  EXPECT_EQ(refused_field(body), "addresses");
  body.erase("addresses");
  EXPECT_EQ(refused_field(body), "addresses");
}

TEST(SignUpRequest, AnAddressIsLatLonOrRdNewButNotBoth) {
  auto body = sign_up_body();
  body["addresses"][0] = {{"x", 121000.0}, {"y", 487000.0}};
  const auto rd = parse_sign_up(body, test_config());
  EXPECT_EQ(*rd.addresses[0].x, 121000.0);
  body["addresses"][0]["lat"] = 52.37;
  EXPECT_EQ(refused_field(body), "addresses[0]");
  body["addresses"][0] = {{"lat", 52.37}};
  EXPECT_EQ(refused_field(body), "addresses[0].lon");
  body["addresses"][0] = {{"x", 121000.0}, {"y", 100.0}};
  EXPECT_EQ(refused_field(body), "addresses[0].y");
  body["addresses"][0] = {{"label", "thuis"}};
  EXPECT_EQ(refused_field(body), "addresses[0].lat");
}

TEST(SignUpRequest, AnAddressOutsideTheServiceAreaIsRefused) {
  auto body = sign_up_body();
  body["addresses"][0] = {{"lat", 48.85}, {"lon", 2.35}};  // Paris
  EXPECT_EQ(refused_field(body), "addresses[0].lat");
  body["addresses"][0] = {{"lat", 52.37}, {"lon", "4.89"}};
  EXPECT_EQ(refused_field(body), "addresses[0].lon");
}

TEST(SignUpRequest, ChannelsAreASubsetOfThePersonalOnes) {
  auto body = sign_up_body();
  body["addresses"][0]["channels"] = {"push"};
  EXPECT_EQ(parse_sign_up(body, test_config()).addresses[0].channels, (std::vector<std::string>{"push"}));
  for (const json& bad : {json::array({"twitter"}), json::array(), json("sms"), json::array({"sms", "sms"}),
                          json::array({"email"})}) {
    body["addresses"][0]["channels"] = bad;
    EXPECT_EQ(refused_field(body), "addresses[0].channels") << bad.dump();
  }
  body["email"] = "jan@example.nl";
  body["addresses"][0]["channels"] = {"email"};
  EXPECT_EQ(refused_field(body), "");
}

TEST(SignUpRequest, ALandlineTakesCallsOnly) {
  auto body = sign_up_body();
  body["phone"] = "020-1234567";
  const auto request = parse_sign_up(body, test_config());
  EXPECT_FALSE(request.phone.mobile);
  EXPECT_EQ(request.addresses[0].channels, (std::vector<std::string>{"voice"}));
  body["addresses"][0]["channels"] = {"voice", "sms"};
  EXPECT_EQ(refused_field(body), "addresses[0].channels");
}

TEST(SignUpRequest, QuietHoursAreTwoDifferentTimesOfDay) {
  auto body = sign_up_body();
  body["addresses"][0]["quiet_hours"] = {{"from", "23:00"}, {"to", "07:00"}};
  const auto request = parse_sign_up(body, test_config());
  EXPECT_EQ(*request.addresses[0].quiet_from, "23:00");
  EXPECT_EQ(*request.addresses[0].quiet_to, "07:00");
  body["addresses"][0]["quiet_hours"] = {{"from", "24:00"}, {"to", "07:00"}};
  EXPECT_EQ(refused_field(body), "addresses[0].quiet_hours.from");
  body["addresses"][0]["quiet_hours"] = {{"from", "23:00"}, {"to", "7:00"}};
  EXPECT_EQ(refused_field(body), "addresses[0].quiet_hours.to");
  body["addresses"][0]["quiet_hours"] = {{"from", "23:00"}};
  EXPECT_EQ(refused_field(body), "addresses[0].quiet_hours.to");
  body["addresses"][0]["quiet_hours"] = {{"from", "23:00"}, {"to", "23:00"}};
  EXPECT_EQ(refused_field(body), "addresses[0].quiet_hours");
}

TEST(SignUpRequest, EmailLanguageAndUnknownFields) {
  auto body = sign_up_body();
  body["email"] = "not-an-address";
  EXPECT_EQ(refused_field(body), "email");
  body["email"] = "jan@example.nl";
  body["language"] = "NL";
  EXPECT_EQ(refused_field(body), "language");
  body["language"] = "en";
  EXPECT_EQ(refused_field(body), "");
  body["phonenumber"] = "0612345678";
  EXPECT_EQ(refused_field(body), "phonenumber");
  body.erase("phonenumber");
  body["addresses"][0]["colour"] = "red";
  EXPECT_EQ(refused_field(body), "addresses[0].colour");
}

TEST(ParticipantChange, OnlyWhatIsPresentChanges) {
  const auto none = parse_participant_change(json::object(), test_config());
  EXPECT_FALSE(none.phone);
  EXPECT_FALSE(none.email);
  EXPECT_FALSE(none.addresses);
  const auto removal = parse_participant_change({{"email", nullptr}}, test_config());
  ASSERT_TRUE(removal.email);
  EXPECT_FALSE(removal.email->has_value());
  EXPECT_THROW(parse_participant_change({{"addresses", json::array()}}, test_config()), InvalidField);
  EXPECT_THROW(parse_participant_change({{"phone", "0900-1234567"}}, test_config()), InvalidField);
}

TEST(AddressRecords, CarryTheFieldsTheInsertReads) {
  auto request = parse_sign_up(sign_up_body(), test_config());
  const auto records = addresses_as_records(request.addresses);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["position"], 0);
  EXPECT_EQ(records[0]["lat"], 52.3731);
  EXPECT_EQ(records[0]["channels"], json({"voice", "sms"}));
  EXPECT_FALSE(records[0].contains("x"));
}

}  // namespace
}  // namespace burgernet::participant
