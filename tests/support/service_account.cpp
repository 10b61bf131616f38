// RSA keys through EVP_PKEY, JWT checks through EVP_DigestVerify: the verifying half of RS256,
// written apart from the driver's signer so that a test does not check the code with itself.
#include "support/service_account.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <fstream>
#include <memory>
#include <stdexcept>

namespace burgernet::testing {
namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(length));
}

TestServiceAccount make_account() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
  if (!key) throw std::runtime_error("RSA key generation failed");
  TestServiceAccount account;
  std::unique_ptr<BIO, decltype(&BIO_free)> priv(BIO_new(BIO_s_mem()), BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> pub(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1) {
    throw std::runtime_error("writing the test key failed");
  }
  account.private_key_pem = bio_text(priv.get());
  account.public_key_pem = bio_text(pub.get());
  return account;
}

std::optional<std::string> from_base64url(std::string text) {
  for (auto& c : text) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (c == '+' || c == '/' || c == '=')
      return std::nullopt;  // base64url has none of these
  }
  while (text.size() % 4 != 0) text += '=';
  std::string out(text.size() / 4 * 3, '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++padding;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

}  // namespace

nlohmann::json TestServiceAccount::json(const std::string& token_uri) const {
  return {{"type", "service_account"},
          {"project_id", project_id},
          {"private_key_id", "0123456789abcdef"},
          {"private_key", private_key_pem},
          {"client_email", client_email},
          {"client_id", "100000000000000000001"},
          {"auth_uri", "https://accounts.google.com/o/oauth2/auth"},
          {"token_uri", token_uri}};
}

void TestServiceAccount::write(const std::string& path, const std::string& token_uri) const {
  std::ofstream(path) << json(token_uri).dump(2) << "\n";
}

const TestServiceAccount& test_service_account() {
  static const TestServiceAccount account = make_account();
  return account;
}

TestServiceAccount other_service_account() { return make_account(); }

std::optional<DecodedJwt> verify_rs256(const std::string& jwt, const std::string& public_key_pem) {
  const auto first = jwt.find('.');
  const auto second = first == std::string::npos ? std::string::npos : jwt.find('.', first + 1);
  if (second == std::string::npos || jwt.find('.', second + 1) != std::string::npos) return std::nullopt;
  const auto header = from_base64url(jwt.substr(0, first));
  const auto claims = from_base64url(jwt.substr(first + 1, second - first - 1));
  const auto signature = from_base64url(jwt.substr(second + 1));
  if (!header || !claims || !signature) return std::nullopt;

  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(public_key_pem.data(), static_cast<int>(public_key_pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!key || !context) return std::nullopt;
  const std::string input = jwt.substr(0, second);
  if (EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature->data()),
                       signature->size(), reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) != 1) {
    return std::nullopt;
  }
  DecodedJwt out{nlohmann::json::parse(*header, nullptr, false),
                 nlohmann::json::parse(*claims, nullptr, false)};
  if (!out.header.is_object() || !out.claims.is_object()) return std::nullopt;
  return out;
}

}  // namespace burgernet::testing
