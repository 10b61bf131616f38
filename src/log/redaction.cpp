// A hand-written scanner rather than std::regex: it runs on every log line, on I/O threads.
#include "burgernet/log/redaction.hpp"

#include <spdlog/pattern_formatter.h>

#include <cctype>
#include <vector>

namespace burgernet::log {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_secret_char(char c) { return is_alnum(c) || c == '-' || c == '_'; }
bool is_email_local(char c) {
  return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool is_email_domain(char c) { return is_alnum(c) || c == '.' || c == '-'; }

bool iequals_at(std::string_view text, std::size_t at, std::string_view word) {
  if (at + word.size() > text.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[at + i])) !=
        std::tolower(static_cast<unsigned char>(word[i]))) {
      return false;
    }
  }
  return true;
}

struct Span {
  std::size_t begin, end;
  const char* label;
};

// Digits from `at`, allowing one space or dash between groups; returns the end and the count.
std::pair<std::size_t, int> digit_run(std::string_view text, std::size_t at) {
  std::size_t i = at;
  std::size_t end = at;
  int digits = 0;
  while (i < text.size()) {
    if (is_digit(text[i])) {
      ++digits;
      end = ++i;
    } else if ((text[i] == ' ' || text[i] == '-') && digits > 0 && i + 1 < text.size() &&
               is_digit(text[i + 1])) {
      ++i;
    } else {
      break;
    }
  }
  return {end, digits};
}

// Secrets: "bn_" or "bnd_" and friends, then at least 16 base64url characters.
std::size_t secret_end(std::string_view text, std::size_t at) {
  if (at > 0 && is_secret_char(text[at - 1])) return 0;
  if (!iequals_at(text, at, "bn")) return 0;
  std::size_t i = at + 2;
  while (i < text.size() && i < at + 6 && std::islower(static_cast<unsigned char>(text[i]))) ++i;
  if (i >= text.size() || text[i] != '_') return 0;
  std::size_t end = i + 1;
  while (end < text.size() && is_secret_char(text[end])) ++end;
  return end - (i + 1) >= 16 ? end : 0;
}

void find_spans(std::string_view text, std::vector<Span>& spans) {
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    // Bearer credentials, whatever they look like.
    if ((c == 'B' || c == 'b') && iequals_at(text, i, "bearer ") && (i == 0 || !is_alnum(text[i - 1]))) {
      std::size_t start = i + 7;
      while (start < text.size() && text[start] == ' ') ++start;
      std::size_t end = start;
      while (end < text.size() && text[end] != ' ' && text[end] != '"' && text[end] != ',' &&
             text[end] != '\'')
        ++end;
      if (end > start) {
        spans.push_back({start, end, "[token]"});
        i = end;
        continue;
      }
    }
    if (c == 'b' || c == 'B') {
      if (const auto end = secret_end(text, i)) {
        spans.push_back({i, end, "[token]"});
        i = end;
        continue;
      }
    }
    // E.164, plain or percent-encoded.
    std::size_t plus_len = c == '+' ? 1 : (c == '%' && iequals_at(text, i, "%2b") ? 3 : 0);
    if (plus_len && i + plus_len < text.size() && is_digit(text[i + plus_len])) {
      const auto [end, digits] = digit_run(text, i + plus_len);
      if (digits >= 8 && digits <= 15) {
        spans.push_back({i, end, "[phone]"});
        i = end;
        continue;
      }
    }
    if (is_digit(c) && (i == 0 || !is_digit(text[i - 1]))) {
      const bool negative = i > 0 && text[i - 1] == '-';
      const auto [end, digits] = digit_run(text, i);
      // Coordinates: the integer part then four or more decimals.
      if (end < text.size() && text[end] == '.' && end + 1 < text.size() && is_digit(text[end + 1])) {
        std::size_t frac_end = end + 1;
        while (frac_end < text.size() && is_digit(text[frac_end])) ++frac_end;
        if (frac_end - (end + 1) >= 4 && end - i <= 3) {
          spans.push_back({negative ? i - 1 : i, frac_end, "[coord]"});
          i = frac_end;
          continue;
        }
      }
      const bool national = c == '0' && digits == 10;
      const bool international =
          c == '0' && i + 1 < text.size() && text[i + 1] == '0' && digits >= 11 && digits <= 15;
      // A number glued to letters is part of an identifier (a UUID's hex groups), not a phone.
      const bool glued = (i > 0 && is_alnum(text[i - 1])) || (end < text.size() && is_alnum(text[end]));
      if ((national || international) && !glued) {
        spans.push_back({i, end, "[phone]"});
        i = end;
        continue;
      }
      i = end > i ? end : i + 1;
      continue;
    }
    // E-mail: widen around "@" (or "%40") over what a local part and a domain may hold.
    std::size_t at_len = c == '@' ? 1 : (c == '%' && iequals_at(text, i, "%40") ? 3 : 0);
    if (at_len) {
      std::size_t begin = i;
      while (begin > 0 && is_email_local(text[begin - 1])) --begin;
      std::size_t end = i + at_len;
      bool dot = false;
      while (end < text.size() && is_email_domain(text[end])) dot |= text[end++] == '.';
      while (end > i + at_len && text[end - 1] == '.') --end;
      if (begin < i && end > i + at_len && dot) {
        // An earlier span may overlap the local part ("+31612345678@x.nl"); this one wins.
        while (!spans.empty() && spans.back().end > begin) {
          begin = std::min(begin, spans.back().begin);
          spans.pop_back();
        }
        spans.push_back({begin, end, "[email]"});
        i = end;
        continue;
      }
    }
    ++i;
  }
}

class RedactingFormatter final : public spdlog::formatter {
 public:
  explicit RedactingFormatter(std::string pattern)
      : pattern_(std::move(pattern)), inner_(std::make_unique<spdlog::pattern_formatter>(pattern_)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    spdlog::memory_buf_t line;
    inner_->format(msg, line);
    const auto redacted = redact(std::string_view(line.data(), line.size()));
    dest.append(redacted.data(), redacted.data() + redacted.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<RedactingFormatter>(pattern_);
  }

 private:
  std::string pattern_;
  std::unique_ptr<spdlog::pattern_formatter> inner_;
};

}  // namespace

std::string redact(std::string_view text) {
  std::vector<Span> spans;
  find_spans(text, spans);
  if (spans.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::size_t from = 0;
  for (const auto& span : spans) {
    if (span.begin < from) continue;
    out.append(text.substr(from, span.begin - from));
    out.append(span.label);
    from = span.end;
  }
  out.append(text.substr(from));
  return out;
}

std::unique_ptr<spdlog::formatter> redacting_formatter(const std::string& pattern) {
  return std::make_unique<RedactingFormatter>(pattern);
}

}  // namespace burgernet::log
