// burgernetctl's exit codes, for scripts; `burgernetctl --help` and docs/operations.md list them.
#pragma once

namespace burgernet::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   // it could not be done: the database is down, a check failed
inline constexpr int kExitUsage = 2;     // bad arguments, a config or key file that cannot be used
inline constexpr int kExitNotFound = 3;  // no such action, token or area

inline constexpr const char* kExitCodesHelp =
    "Exit codes: 0 ok; 1 runtime failure (database unreachable, a check failed); 2 usage or config "
    "error; 3 not found (an unknown action id or token).";

}  // namespace burgernet::ctl
