// Small images built byte by byte for the tip tests: a JPEG and a PNG that carry where they
// were taken (Exif GPS, XMP, text chunks) around the segments and chunks that draw them.
#pragma once

#include <cstdint>
#include <string>

namespace burgernet::testing {

// The place every test photo claims, as Exif/XMP would spell it: none of it may survive.
inline const std::string kGpsMarker = "GPSLatitude 52.3731 N GPSLongitude 4.8926 E";

inline std::string jpeg_segment(unsigned char marker, const std::string& data) {
  const std::size_t length = data.size() + 2;
  std::string s = {'\xFF', static_cast<char>(marker), static_cast<char>(length >> 8),
                   static_cast<char>(length & 0xFF)};
  return s + data;
}

// SOI, JFIF APP0, Exif APP1 with GPS, XMP APP1, an APP13, a comment, DQT, SOF0, DHT, SOS with
// entropy-coded bytes (a stuffed FF00 and a restart marker in them), EOI, and trailing bytes.
inline std::string jpeg_with_location() {
  std::string j = "\xFF\xD8";
  j += jpeg_segment(0xE0, std::string("JFIF\0\x01\x01\0\0\x01\0\x01\0\0", 14));
  j += jpeg_segment(0xE1, std::string("Exif\0\0MM\0*\0\0\0\x08", 14) + kGpsMarker);
  j += jpeg_segment(0xE1, "http://ns.adobe.com/xap/1.0/" + std::string(1, '\0') + "<x:xmpmeta>" + kGpsMarker +
                              "</x:xmpmeta>");
  j += jpeg_segment(0xED, "Photoshop 3.0 " + kGpsMarker);
  j += jpeg_segment(0xFE, "comment " + kGpsMarker);
  j += jpeg_segment(0xDB, std::string(65, '\x01'));                            // DQT
  j += jpeg_segment(0xC0, std::string("\x08\0\x10\0\x10\x01\x01\x11\0", 9));   // SOF0 16x16
  j += jpeg_segment(0xC4, std::string("\0", 1) + std::string(16, '\0') + "");  // DHT
  j += jpeg_segment(0xDA, std::string("\x01\x01\0\0\x3F\0", 6));               // SOS
  j += std::string("\x12\x34\xFF\x00\x56\xFF\xD0\x78\x9A", 9);                 // scan data
  j += "\xFF\xD9";
  j += "trailing " + kGpsMarker;
  return j;
}

inline std::string png_chunk(const std::string& type, const std::string& data) {
  const std::uint32_t n = static_cast<std::uint32_t>(data.size());
  std::string c = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                   static_cast<char>(n)};
  return c + type + data + std::string("\0\0\0\0", 4);  // the CRC is not checked by the stripper
}

inline std::string png_with_location() {
  std::string p("\x89PNG\r\n\x1a\n", 8);
  p += png_chunk("IHDR", std::string("\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0", 13));
  p += png_chunk("eXIf", "MM " + kGpsMarker);
  p += png_chunk("tEXt", std::string("Comment\0", 8) + kGpsMarker);
  p += png_chunk("iTXt", std::string("XML:com.adobe.xmp\0\0\0\0\0", 22) + kGpsMarker);
  p += png_chunk("zTXt", std::string("Raw\0\0", 5) + kGpsMarker);
  p += png_chunk("IDAT", std::string("\x78\x9c\x63\x60\x60\x60\0\0\0\x04\0\x01", 12));
  p += png_chunk("IEND", "");
  return p;
}

}  // namespace burgernet::testing
