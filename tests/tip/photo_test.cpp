// Stripping a tip photo's metadata: the place it was taken never survives, the picture does,
// and a broken or foreign file is refused, never read past its end.
#include "burgernet/tip/photo.hpp"

#include <gtest/gtest.h>

#include "burgernet/domain/errors.hpp"
#include "burgernet/tip/tip_request.hpp"
#include "tip/photo_bytes.hpp"

namespace burgernet::testing {
namespace {

using tip::PhotoError;

bool has(const std::string& bytes, const std::string& what) { return bytes.find(what) != std::string::npos; }

TEST(PhotoTest, JpegKeepsThePictureAndLosesEveryAppSegmentButJfif) {
  const auto in = jpeg_with_location();
  ASSERT_TRUE(has(in, kGpsMarker));
  const auto out = tip::strip_photo_metadata(in);
  EXPECT_FALSE(has(out, "GPS")) << "no Exif, XMP, Photoshop, comment or trailing bytes";
  EXPECT_FALSE(has(out, "Exif"));
  EXPECT_FALSE(has(out, std::string("\xFF\xE1", 2)));
  EXPECT_TRUE(out.starts_with(std::string("\xFF\xD8\xFF\xE0", 4))) << "SOI, then the JFIF APP0";
  EXPECT_TRUE(out.ends_with(std::string("\xFF\xD9", 2)));
  EXPECT_TRUE(has(out, std::string("\xFF\xC0", 2))) << "the frame";
  EXPECT_TRUE(has(out, std::string("\x12\x34\xFF\x00\x56\xFF\xD0\x78\x9A", 9))) << "the scan, untouched";
  EXPECT_EQ(tip::strip_photo_metadata(out), out) << "stripping twice changes nothing";
}

TEST(PhotoTest, PngLosesTextAndExifChunks) {
  const auto out = tip::strip_photo_metadata(png_with_location());
  EXPECT_FALSE(has(out, "GPS"));
  for (const char* chunk : {"eXIf", "tEXt", "iTXt", "zTXt"}) EXPECT_FALSE(has(out, chunk)) << chunk;
  for (const char* chunk : {"IHDR", "IDAT", "IEND"}) EXPECT_TRUE(has(out, chunk)) << chunk;
}

TEST(PhotoTest, TypeComesFromTheBytes) {
  EXPECT_EQ(tip::photo_type_of(jpeg_with_location()), "image/jpeg");
  EXPECT_EQ(tip::photo_type_of(png_with_location()), "image/png");
  EXPECT_EQ(tip::photo_type_of("GIF89a..."), std::nullopt);
  EXPECT_EQ(tip::photo_type_of(""), std::nullopt);
  EXPECT_THROW(tip::strip_photo_metadata("<svg/>"), PhotoError);
}

TEST(PhotoTest, BrokenFilesAreRefused) {
  const auto jpeg = jpeg_with_location();
  const auto png = png_with_location();
  // Every truncation: refused, never an overread (ASan builds would see one).
  for (std::size_t n = 0; n < jpeg.find("\xFF\xD9"); ++n)
    EXPECT_THROW(tip::strip_photo_metadata(jpeg.substr(0, n)), PhotoError) << n;
  for (std::size_t n = 0; n + 12 < png.size(); ++n)
    EXPECT_THROW(tip::strip_photo_metadata(png.substr(0, n)), PhotoError) << n;
  auto lying = jpeg;
  lying[jpeg.find("\xFF\xE1") + 2] = '\x7F';  // a segment longer than the file
  EXPECT_THROW(tip::strip_photo_metadata(lying), PhotoError);
  EXPECT_THROW(tip::strip_photo_metadata(std::string("\xFF\xD8\xFF\xD9", 4)), PhotoError) << "no frame";
}

TEST(PhotoTest, Base64IsStrict) {
  EXPECT_EQ(tip::decode_base64("aGVsbG8="), "hello");
  EXPECT_EQ(tip::decode_base64("aGk="), "hi");
  EXPECT_EQ(tip::decode_base64("aGVs"), "hel");
  EXPECT_EQ(tip::decode_base64(""), "");
  EXPECT_EQ(tip::decode_base64("aGVsbG8"), std::nullopt) << "no padding";
  EXPECT_EQ(tip::decode_base64("aGV sbG8="), std::nullopt);
  EXPECT_EQ(tip::decode_base64("a=Vs"), std::nullopt);
  EXPECT_EQ(tip::decode_base64("aG=k"), std::nullopt);
}

TEST(PhotoTest, RequestNamesTheFieldItRefuses) {
  const auto field_of = [](const nlohmann::json& body) -> std::string {
    try {
      tip::parse_tip_request(body, 1000);
    } catch (const InvalidField& e) {
      return e.field();
    }
    return "accepted";
  };
  EXPECT_EQ(field_of({{"text", ""}}), "text");
  EXPECT_EQ(field_of({{"text", std::string(2001, 'a')}}), "text");
  EXPECT_EQ(field_of({{"text", std::string(2000, 'a')}}), "accepted");
  EXPECT_EQ(field_of({{"text", "x"}, {"participant_id", 3}}), "participant_id");
  EXPECT_EQ(field_of({{"text", "x"}, {"photo", {{"content_type", "image/gif"}, {"data", "aGk="}}}}),
            "photo.content_type");
  EXPECT_EQ(field_of({{"text", "x"}, {"photo", {{"content_type", "image/png"}, {"data", "!!"}}}}),
            "photo.data");
  EXPECT_EQ(field_of({{"text", "x"}, {"photo", {{"content_type", "image/png"}, {"data", "aGk="}}}}),
            "photo.data");
  EXPECT_EQ(field_of({{"text", "x"}, {"colour", "red"}}), "colour");
  EXPECT_THROW(
      tip::parse_tip_request(
          {{"text", "x"}, {"photo", {{"content_type", "image/png"}, {"data", std::string(1400, 'A')}}}},
          1000),
      tip::PhotoTooLarge);
}

}  // namespace
}  // namespace burgernet::testing
