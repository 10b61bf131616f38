// Walks JPEG segments (ITU T.81 Annex B) and PNG chunks (PNG spec, section 5) and copies only
// what draws the picture. Every length is checked against what is left, so a hostile file can
// only be refused, never read past.
#include "burgernet/tip/photo.hpp"

#include <cstdint>

namespace burgernet::tip {
namespace {

constexpr std::string_view kPngSignature("\x89PNG\r\n\x1a\n", 8);

unsigned byte_at(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }

bool is_jfif_app0(std::string_view segment_data) {
  return segment_data.size() >= 5 && segment_data.substr(0, 5) == std::string_view("JFIF\0", 5);
}

// Where the entropy-coded data that starts at `from` ends: at the first marker that is not a
// stuffed 0xFF00, a restart marker (RST0-7) or fill bytes.
std::size_t end_of_scan(std::string_view jpeg, std::size_t from) {
  std::size_t i = from;
  while (i + 1 < jpeg.size()) {
    if (byte_at(jpeg, i) != 0xFF) {
      ++i;
      continue;
    }
    const unsigned next = byte_at(jpeg, i + 1);
    if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
      i += 2;
    } else if (next == 0xFF) {
      ++i;  // fill byte before a marker
    } else {
      return i;
    }
  }
  throw PhotoError("the JPEG ends inside a scan");
}

}  // namespace

std::optional<std::string> photo_type_of(std::string_view bytes) {
  if (bytes.size() >= 3 && byte_at(bytes, 0) == 0xFF && byte_at(bytes, 1) == 0xD8 &&
      byte_at(bytes, 2) == 0xFF)
    return "image/jpeg";
  if (bytes.substr(0, kPngSignature.size()) == kPngSignature) return "image/png";
  return std::nullopt;
}

std::string strip_jpeg_metadata(std::string_view jpeg) {
  if (photo_type_of(jpeg) != "image/jpeg") throw PhotoError("not a JPEG");
  std::string out("\xFF\xD8", 2);
  std::size_t i = 2;
  bool frame = false;  // a SOFn was seen: an image, not only metadata
  for (;;) {
    if (i >= jpeg.size() || byte_at(jpeg, i) != 0xFF) throw PhotoError("the JPEG has a broken segment");
    while (i < jpeg.size() && byte_at(jpeg, i) == 0xFF) ++i;  // fill bytes
    if (i >= jpeg.size()) throw PhotoError("the JPEG ends without an end-of-image marker");
    const unsigned marker = byte_at(jpeg, i++);
    if (marker == 0xD9) {
      if (!frame) throw PhotoError("the JPEG holds no image");
      out.append("\xFF\xD9", 2);
      return out;  // anything after the end of image is dropped
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
      out += '\xFF';
      out += static_cast<char>(marker);
      continue;
    }
    if (marker == 0x00 || marker == 0xD8) throw PhotoError("the JPEG has a misplaced marker");
    if (i + 2 > jpeg.size()) throw PhotoError("the JPEG ends inside a segment");
    const std::size_t length = byte_at(jpeg, i) << 8 | byte_at(jpeg, i + 1);
    if (length < 2 || i + length > jpeg.size())
      throw PhotoError("the JPEG has a segment longer than the file");
    const auto data = jpeg.substr(i + 2, length - 2);
    const bool app = marker >= 0xE0 && marker <= 0xEF;
    const bool keep = !(app && !(marker == 0xE0 && is_jfif_app0(data))) && marker != 0xFE;
    if ((marker >= 0xC0 && marker <= 0xCF) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC)
      frame = true;
    std::size_t end = i + length;
    if (marker == 0xDA) end = end_of_scan(jpeg, end);  // the scan's data goes with its header
    if (keep) {
      out += '\xFF';
      out += static_cast<char>(marker);
      out.append(jpeg.substr(i, end - i));
    }
    i = end;
  }
}

std::string strip_png_metadata(std::string_view png) {
  if (photo_type_of(png) != "image/png") throw PhotoError("not a PNG");
  std::string out(kPngSignature);
  std::size_t i = kPngSignature.size();
  bool first = true;
  for (;;) {
    if (i + 12 > png.size()) throw PhotoError("the PNG ends without an IEND chunk");
    const std::uint64_t length = static_cast<std::uint64_t>(byte_at(png, i)) << 24 |
                                 byte_at(png, i + 1) << 16 | byte_at(png, i + 2) << 8 | byte_at(png, i + 3);
    if (length > 0x7fffffffu || length > png.size() - i - 12)
      throw PhotoError("the PNG has a chunk longer than the file");
    const auto type = png.substr(i + 4, 4);
    if (first && type != "IHDR") throw PhotoError("the PNG does not start with IHDR");
    first = false;
    const std::size_t size = 12 + static_cast<std::size_t>(length);
    if (type != "eXIf" && type != "tEXt" && type != "iTXt" && type != "zTXt") out.append(png.substr(i, size));
    i += size;
    if (type == "IEND") return out;  // anything after it is dropped
  }
}

std::string strip_photo_metadata(std::string_view bytes) {
  const auto type = photo_type_of(bytes);
  if (type == "image/jpeg") return strip_jpeg_metadata(bytes);
  if (type == "image/png") return strip_png_metadata(bytes);
  throw PhotoError("not a JPEG or PNG image");
}

}  // namespace burgernet::tip
