// The web console's files (src/console/), compiled into the daemon by cmake/embed_console.cmake.
#pragma once

#include <string_view>
#include <vector>

namespace burgernet::api {

struct EmbeddedConsoleFile {
  std::string_view name;  // "index.html", "app.js": a file name, never a path
  std::string_view content;
};

// Every file of src/console/ except the contract, sorted by name.
const std::vector<EmbeddedConsoleFile>& embedded_console_files();

}  // namespace burgernet::api
