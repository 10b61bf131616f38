// Reading a tip from the app back end: every refusal names its field, and the photo that is
// kept is the stripped one, of the type its bytes say.
#include "burgernet/tip/tip_request.hpp"

#include "burgernet/action/action_request.hpp"
#include "burgernet/domain/json_fields.hpp"
#include "burgernet/tip/photo.hpp"
#include "burgernet/tip/tip_store.hpp"

namespace burgernet::tip {
namespace {

using nlohmann::json;

int base64_value(char ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '+') return 62;
  if (ch == '/') return 63;
  return -1;
}

}  // namespace

std::optional<std::string> decode_base64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char ch = text[i + k];
      if (ch == '=' && last && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[k] = base64_value(ch);
      if (v[k] < 0) return std::nullopt;
    }
    const unsigned n = static_cast<unsigned>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    out += static_cast<char>(n >> 16 & 0xFF);
    if (pad < 2) out += static_cast<char>(n >> 8 & 0xFF);
    if (pad < 1) out += static_cast<char>(n & 0xFF);
  }
  return out;
}

TipRequest parse_tip_request(const json& body, std::size_t max_photo_bytes) {
  if (!body.is_object()) throw InvalidField("", "the body must be a JSON object");
  reject_unknown_fields(body, "", {"participant_id", "text", "photo"});
  TipRequest request;
  if (const auto it = body.find("participant_id"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) throw InvalidField("participant_id", "must be a string");
    request.participant_id = it->get<std::string>();
  }
  request.text = action::read_text(body, "text", kMaxTipTextLength);

  const auto photo = body.find("photo");
  if (photo == body.end() || photo->is_null()) return request;
  if (!photo->is_object()) throw InvalidField("photo", "must be an object with content_type and data");
  reject_unknown_fields(*photo, "photo.", {"content_type", "data"});
  const auto type = photo->find("content_type");
  if (type == photo->end() || !type->is_string() || (*type != "image/jpeg" && *type != "image/png"))
    throw InvalidField("photo.content_type", "must be \"image/jpeg\" or \"image/png\"");
  const auto data = photo->find("data");
  if (data == photo->end() || !data->is_string() || data->get_ref<const std::string&>().empty())
    throw InvalidField("photo.data", "is required: the image in base64");
  const auto& encoded = data->get_ref<const std::string&>();
  if (encoded.size() / 4 * 3 > max_photo_bytes + 2) throw PhotoTooLarge(max_photo_bytes);
  auto bytes = decode_base64(encoded);
  if (!bytes) throw InvalidField("photo.data", "is not base64 (RFC 4648, with padding)");
  if (bytes->size() > max_photo_bytes) throw PhotoTooLarge(max_photo_bytes);
  // The declared type is the sender's word; the bytes decide.
  const auto actual = photo_type_of(*bytes);
  if (!actual) throw InvalidField("photo.data", "is not a JPEG or PNG image");
  if (*actual != type->get<std::string>())
    throw InvalidField("photo.content_type", "does not match the image, which is " + *actual);
  try {
    request.photo = strip_photo_metadata(*bytes);
  } catch (const PhotoError& e) {
    throw InvalidField("photo.data", std::string("is not a usable image: ") + e.what());
  }
  request.photo_type = *actual;
  return request;
}

}  // namespace burgernet::tip
