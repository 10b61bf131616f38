// The configuration in force, replaced as a whole on SIGHUP; readers keep the snapshot they took.
#pragma once

#include <memory>
#include <mutex>

#include "burgernet/config/config.hpp"

namespace burgernet::config {

class LiveConfig {
 public:
  explicit LiveConfig(Config initial) : current_(std::make_shared<const Config>(std::move(initial))) {}
  std::shared_ptr<const Config> get() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void set(Config next) {
    auto replacement = std::make_shared<const Config>(std::move(next));
    std::lock_guard lock(mutex_);
    current_ = std::move(replacement);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Config> current_;
};

}  // namespace burgernet::config
