// Episodes are per reason, so a TLS fault and a refused token are told apart in the log.
#include "burgernet/net/held_messages.hpp"

#include <spdlog/spdlog.h>

namespace burgernet::net {

void HeldMessages::hold(std::string_view reason, std::string_view why) {
  bool opened = false;
  {
    std::lock_guard lock(mutex_);
    ++counts_.try_emplace(std::string(reason), 0).first->second;
    opened = open_.emplace(reason).second;
  }
  if (opened) {
    spdlog::error("{}: {}; its messages are held, without using up attempts, until this is fixed", driver_,
                  why);
  }
}

void HeldMessages::resolved(std::string_view reason, std::string_view what) {
  bool closed = false;
  {
    std::lock_guard lock(mutex_);
    if (const auto it = open_.find(reason); it != open_.end()) {
      open_.erase(it);
      closed = true;
    }
  }
  if (closed) spdlog::info("{}: {}; held messages go out again", driver_, what);
}

void HeldMessages::count(std::string_view reason) {
  std::lock_guard lock(mutex_);
  ++counts_.try_emplace(std::string(reason), 0).first->second;
}

bool HeldMessages::holding(std::string_view reason) const {
  std::lock_guard lock(mutex_);
  return open_.find(reason) != open_.end();
}

std::map<std::string, std::uint64_t> HeldMessages::counts() const {
  std::lock_guard lock(mutex_);
  return {counts_.begin(), counts_.end()};
}

}  // namespace burgernet::net
