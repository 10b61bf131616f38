// EVP_DigestSign with SHA-256 on an RSA key is RS256; the key is parsed once, at start-up.
#include "channel/fcm/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>

#include "burgernet/net/encoding.hpp"

namespace burgernet::channel {

std::string to_base64url(std::string_view bytes) {
  std::string out = net::to_base64(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

JwtSigner::JwtSigner(const std::string& private_key_pem) : key_(nullptr) {
  BIO* bio = BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size()));
  if (bio == nullptr) throw std::runtime_error("cannot read the private key");
  key_ = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ERR_clear_error();  // a failed parse leaves its errors queued for the next TLS call to misread
  if (key_ == nullptr) throw std::runtime_error("private_key is not a PEM private key");
  if (EVP_PKEY_get_base_id(key_) != EVP_PKEY_RSA) {
    EVP_PKEY_free(key_);
    throw std::runtime_error("private_key is not an RSA key (RS256 needs one)");
  }
}

JwtSigner::~JwtSigner() { EVP_PKEY_free(key_); }

std::string JwtSigner::sign(const nlohmann::json& claims) const {
  static const std::string kHeader = to_base64url(R"({"alg":"RS256","typ":"JWT"})");
  const std::string input = kHeader + "." + to_base64url(claims.dump());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t length = 0;
  if (!context || EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key_) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    throw std::runtime_error("RS256 signing failed");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    throw std::runtime_error("RS256 signing failed");
  }
  signature.resize(length);
  return input + "." + to_base64url(signature);
}

nlohmann::json service_account_claims(const std::string& client_email, const std::string& scope,
                                      const std::string& token_uri,
                                      std::chrono::system_clock::time_point now) {
  const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return {{"iss", client_email}, {"scope", scope}, {"aud", token_uri}, {"iat", iat}, {"exp", iat + 3600}};
}

}  // namespace burgernet::channel
