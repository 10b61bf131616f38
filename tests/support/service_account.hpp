// A throwaway Google service account for FCM tests: an RSA key made with OpenSSL at test time,
// the JSON file Google would hand out, and a check of an RS256 JWT against the public key.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace burgernet::testing {

struct TestServiceAccount {
  std::string client_email = "burgernet@test-project.iam.gserviceaccount.com";
  std::string project_id = "test-project";
  std::string private_key_pem;  // PKCS#8, as in Google's JSON
  std::string public_key_pem;

  // The service-account JSON, with its token_uri at `token_uri`.
  nlohmann::json json(const std::string& token_uri) const;
  // Writes json(token_uri) to `path`.
  void write(const std::string& path, const std::string& token_uri) const;
};

// One 2048-bit key per test process (made once: it takes a moment).
const TestServiceAccount& test_service_account();
// A different key, for checking that a signature by another key is refused.
TestServiceAccount other_service_account();

struct DecodedJwt {
  nlohmann::json header;
  nlohmann::json claims;
};
// The header and claims of `jwt` when its RS256 signature verifies with `public_key_pem`.
std::optional<DecodedJwt> verify_rs256(const std::string& jwt, const std::string& public_key_pem);

}  // namespace burgernet::testing
