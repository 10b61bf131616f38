// The body of POST /v1/actions/{id}/tips, checked field by field: text, participant, and the
// photo decoded, its type read from its bytes and its metadata stripped. Pure; throws
// InvalidField naming the field, or PhotoTooLarge.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "burgernet/domain/errors.hpp"

namespace burgernet::tip {

// The decoded photo is larger than tips.max_photo_bytes (the route answers 413).
class PhotoTooLarge : public DomainError {
 public:
  explicit PhotoTooLarge(std::size_t limit)
      : DomainError("photo.data: the image is larger than " + std::to_string(limit) + " bytes") {}
};

struct TipRequest {
  std::optional<std::string> participant_id;
  std::string text;
  std::optional<std::string> photo_type;  // from the bytes
  std::optional<std::string> photo;       // stripped
};

TipRequest parse_tip_request(const nlohmann::json& body, std::size_t max_photo_bytes);

// Standard base64 (RFC 4648 section 4) with padding, nothing else; nullopt when not.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace burgernet::tip
