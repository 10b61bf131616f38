// Secrets handed over by systemd's LoadCredential=. The unit gives the daemon a private copy of
// each secret file under $CREDENTIALS_DIRECTORY, named by the credential; the configured path
// itself stays readable by root only. One config file then serves both the daemon (inside the
// unit) and burgernetctl (run by an administrator, outside it).
#pragma once

#include <string>

namespace burgernet::config {

// `configured`, unless CREDENTIALS_DIRECTORY is set and holds a file with the same base name:
// then that file. A credential that is missing falls back to the configured path, whose error
// message then names the path the operator wrote.
std::string credential_path(const std::string& configured);

}  // namespace burgernet::config
