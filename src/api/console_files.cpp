// Static answers for the console: one ETag per file, computed once; every answer, a 404
// included, carries the CSP and nosniff, so that nothing under /console/ runs without them.
#include "api/console_files.hpp"

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "api/embedded_console.hpp"

namespace burgernet::api {
namespace {

namespace beast_http = http::beast_http;

struct ServedFile {
  std::string_view content;
  std::string content_type;
  std::string etag;
};

std::string content_type_of(std::string_view name) {
  const auto dot = name.rfind('.');
  const auto ext = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  return "application/octet-stream";
}

// FNV-1a, 64 bits: an ETag only has to change when the bytes do.
std::string etag_of(std::string_view content) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (const unsigned char c : content) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  char text[24];
  std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(hash));
  return text;
}

const std::map<std::string, ServedFile, std::less<>>& served_files() {
  static const auto files = [] {
    std::map<std::string, ServedFile, std::less<>> out;
    for (const auto& file : embedded_console_files()) {
      out.emplace(std::string(file.name),
                  ServedFile{file.content, content_type_of(file.name), etag_of(file.content)});
    }
    return out;
  }();
  return files;
}

void set_security_headers(http::Response& response) {
  response.set("Content-Security-Policy", kConsoleCsp);
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Referrer-Policy", "no-referrer");
  response.set("X-Frame-Options", "DENY");
  response.set("Cross-Origin-Opener-Policy", "same-origin");
  response.set("Cross-Origin-Resource-Policy", "same-origin");
}

}  // namespace

http::Response console_file_response(const http::Request& request, std::string_view name) {
  const auto& files = served_files();
  const auto it = files.find(name);
  if (it == files.end()) {
    auto response = http::error_response(request, 404, "not_found", "the console has no file of that name");
    set_security_headers(response);
    return response;
  }
  const auto& file = it->second;
  http::Response response;
  if (request.header("If-None-Match").value_or("") == file.etag) {
    response = http::empty_response(request, 304);
  } else {
    response = http::text_response(request, 200, file.content_type, std::string(file.content));
  }
  // Revalidated on every load (a 304 costs nothing): a new daemon's console is used at once.
  response.set(beast_http::field::cache_control, "no-cache");
  response.set(beast_http::field::etag, file.etag);
  set_security_headers(response);
  return response;
}

}  // namespace burgernet::api
