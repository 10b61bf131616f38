// Bearer secrets (API tokens, device secrets): made from the OS's CSPRNG, stored as SHA-256.
#pragma once

#include <string>
#include <string_view>

namespace burgernet::auth {

// A new secret: `prefix` then 43 base64url characters (256 bits of randomness).
std::string new_secret(std::string_view prefix);

// SHA-256 of the secret in PostgreSQL's bytea hex input form ("\x…"), for parameters.
std::string secret_hash_param(std::string_view secret);

// The token of an "Authorization: Bearer TOKEN" header, empty when there is none.
std::string bearer_token(std::string_view authorization);

}  // namespace burgernet::auth
