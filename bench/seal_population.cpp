// bench/seal_population: the sealed personal data of the benchmark population, as COPY text.
//
// The dispatcher opens phone numbers and push tokens with the daemon's keys (AES-256-GCM,
// privacy/personal_data_keys.hpp), which pgcrypto cannot produce, so bench/population.sql
// reads these rows with \copy ... FROM PROGRAM. One line per participant i = 1..N:
//   i <TAB> phone_sealed <TAB> phone_lookup <TAB> push_token_sealed (or \N without a device)
// The numbers and tokens are the ones the population always had: +316 (10000000 + i) and
// "bench-push-<i>"; a participant has a device when (i * 13) % 30 < 13 (bench/population.sql).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "burgernet/config/config.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"

namespace {

// COPY text format: the backslash of bytea's "\x…" is doubled.
void put_bytea(std::string& line, const std::string& bytea_text) {
  line += '\\';
  line += bytea_text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: seal_population CONFIG PARTICIPANTS\n";
    return 2;
  }
  const long long n = std::atoll(argv[2]);
  if (n < 1) {
    std::cerr << "seal_population: PARTICIPANTS must be positive\n";
    return 2;
  }
  try {
    const auto config = burgernet::config::load_config_file(argv[1]);
    const auto keys = burgernet::privacy::PersonalDataKeys::load(config.privacy);
    std::string line;
    for (long long i = 1; i <= n; ++i) {
      const std::string phone = "+316" + std::to_string(10000000 + i);
      line = std::to_string(i);
      line += '\t';
      put_bytea(line, keys.seal(phone, "phone"));
      line += '\t';
      put_bytea(line, keys.lookup(phone));
      line += '\t';
      if ((i * 13) % 30 < 13) {
        put_bytea(line, keys.seal("bench-push-" + std::to_string(i), "push_token"));
      } else {
        line += "\\N";
      }
      line += '\n';
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
  } catch (const std::exception& e) {
    std::cerr << "seal_population: " << e.what() << "\n";
    return 1;
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
