// Fuzzes the tip photo stripper (tip/photo.hpp) with hostile files: it refuses with PhotoError
// or returns an image of the same type, no larger, that strips to itself and carries no segment
// or chunk it promises to remove.
#include "burgernet/tip/photo.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace burgernet;

// The JPEG's segments up to its first scan: none may be an APPn other than APP0, or a comment.
bool jpeg_header_clean(const std::string& jpeg) {
  std::size_t i = 2;
  while (i + 4 <= jpeg.size() && static_cast<unsigned char>(jpeg[i]) == 0xFF) {
    const unsigned marker = static_cast<unsigned char>(jpeg[i + 1]);
    if (marker == 0xDA || marker == 0xD9) return true;
    if ((marker >= 0xE1 && marker <= 0xEF) || marker == 0xFE) return false;
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      i += 2;
      continue;
    }
    i += 2 + (static_cast<unsigned char>(jpeg[i + 2]) << 8 | static_cast<unsigned char>(jpeg[i + 3]));
  }
  return true;
}

void check(std::string_view input) {
  std::string out;
  try {
    out = tip::strip_photo_metadata(input);
  } catch (const tip::PhotoError&) {
    return;  // refused: the route answers 400
  }
  fuzz::require(tip::photo_type_of(out) == tip::photo_type_of(input), "the type stays");
  fuzz::require(out.size() <= input.size(), "stripping never adds");
  fuzz::require(tip::strip_photo_metadata(out) == out, "a stripped image strips to itself");
  if (tip::photo_type_of(out) == "image/jpeg") {
    fuzz::require(out.ends_with("\xFF\xD9"), "a JPEG ends with EOI");
    fuzz::require(jpeg_header_clean(out), "no APP1-APP15 or comment before the scan");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = burgernet::fuzz::as_text(data, size);
  check(input);  // any exception but PhotoError escapes and is a finding
  return 0;
}
