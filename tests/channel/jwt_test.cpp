// The RS256 signer of the fcm driver: checked with OpenSSL's verifier and the public key, not
// with itself; and the claims of Google's service-account grant.
#include "channel/fcm/jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "support/service_account.hpp"

using namespace burgernet;
using namespace burgernet::testing;

TEST(Base64Url, HasNoPaddingAndUsesTheUrlAlphabet) {
  // RFC 7515, appendix C: the octets 3, 236, 255, 224, 193 encode as A-z_4ME.
  EXPECT_EQ(channel::to_base64url(std::string("\x03\xec\xff\xe0\xc1", 5)), "A-z_4ME");
  EXPECT_EQ(channel::to_base64url("f"), "Zg");
  EXPECT_EQ(channel::to_base64url("fo"), "Zm8");
  EXPECT_EQ(channel::to_base64url("foo"), "Zm9v");
  EXPECT_EQ(channel::to_base64url(""), "");
}

TEST(JwtSigner, SignatureVerifiesWithThePublicKeyAndCarriesHeaderAndClaims) {
  const auto& account = test_service_account();
  const channel::JwtSigner signer(account.private_key_pem);
  const nlohmann::json claims = {
      {"iss", "a@b.iam.gserviceaccount.com"}, {"iat", 1700000000}, {"exp", 1700003600}};
  const auto jwt = signer.sign(claims);

  const auto decoded = verify_rs256(jwt, account.public_key_pem);
  ASSERT_TRUE(decoded) << "the signature does not verify";
  EXPECT_EQ(decoded->header, (nlohmann::json{{"alg", "RS256"}, {"typ", "JWT"}}));
  EXPECT_EQ(decoded->claims, claims);
  EXPECT_EQ(jwt.find('='), std::string::npos);
  EXPECT_EQ(jwt.find('+'), std::string::npos);
  EXPECT_EQ(jwt.find('/'), std::string::npos);
}

TEST(JwtSigner, AnotherKeyOrAChangedPayloadDoesNotVerify) {
  const auto& account = test_service_account();
  const auto jwt = channel::JwtSigner(account.private_key_pem).sign({{"iss", "x"}});
  EXPECT_FALSE(verify_rs256(jwt, other_service_account().public_key_pem));

  const auto first = jwt.find('.'), second = jwt.rfind('.');
  const std::string forged =
      jwt.substr(0, first + 1) + channel::to_base64url(R"({"iss":"y"})") + jwt.substr(second);
  EXPECT_FALSE(verify_rs256(forged, account.public_key_pem));
}

TEST(JwtSigner, RefusesWhatIsNotAnRsaPrivateKeyWithoutQuotingIt) {
  const std::string garbage =
      "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n";
  try {
    channel::JwtSigner signer(garbage);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).find("bm90IGEga2V5"), std::string::npos) << e.what();
  }

  // An EC key is a private key, but RS256 needs RSA.
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> ec(EVP_EC_gen("P-256"), EVP_PKEY_free);
  ASSERT_TRUE(ec);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio.get(), ec.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  EXPECT_THROW(channel::JwtSigner(std::string(data, static_cast<std::size_t>(length))), std::runtime_error);
}

TEST(ServiceAccountClaims, AreGooglesGrantValidForAnHour) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  const auto claims = channel::service_account_claims("svc@p.iam.gserviceaccount.com",
                                                      "https://www.googleapis.com/auth/firebase.messaging",
                                                      "https://oauth2.googleapis.com/token", now);
  EXPECT_EQ(claims.at("iss"), "svc@p.iam.gserviceaccount.com");
  EXPECT_EQ(claims.at("scope"), "https://www.googleapis.com/auth/firebase.messaging");
  EXPECT_EQ(claims.at("aud"), "https://oauth2.googleapis.com/token");
  EXPECT_EQ(claims.at("iat"), 1700000000);
  EXPECT_EQ(claims.at("exp"), 1700003600);
  EXPECT_EQ(claims.size(), 5u);
}
