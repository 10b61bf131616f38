// A tip's photo made safe to keep: its type read from its bytes (never from what the sender
// declared), and everything but the picture removed, above all the place it was taken (Exif
// GPS, XMP). Pure functions; no decoder library: the formats' segment and chunk layout is enough.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace burgernet::tip {

// The bytes are not a JPEG or PNG image this code can walk (truncated, a bad length, no end).
class PhotoError : public std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// "image/jpeg" or "image/png" by the file's signature; nullopt for anything else.
std::optional<std::string> photo_type_of(std::string_view bytes);

// A JPEG without its APP1…APP15 segments (Exif, XMP, ICC, Photoshop IRB…), its comments and
// anything after the end of image; a JFIF APP0 is kept. Throws PhotoError.
std::string strip_jpeg_metadata(std::string_view jpeg);

// A PNG without its eXIf, tEXt, iTXt and zTXt chunks and anything after IEND. Throws PhotoError.
std::string strip_png_metadata(std::string_view png);

// By photo_type_of; throws PhotoError for any other type.
std::string strip_photo_metadata(std::string_view bytes);

}  // namespace burgernet::tip
