// Fuzzes one line of `burgernetctl participants import`: split into fields, then checked and
// turned into a record (the phone number sealed) by read_participant_line.
#include "ctl/participants_csv.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace burgernet;

// The project's API, in one place.
void check(const std::string& line) {
  static const config::Config config;
  static const privacy::PersonalDataKeys keys(privacy::Key{1}, {}, privacy::Key{2});
  const auto fields = ctl::csv_split(line, ',');
  const auto record = ctl::read_participant_line(fields, config, keys);
  fuzz::require(keys.open(record.at("phone_sealed").get<std::string>(), "phone").starts_with('+'),
                "the sealed phone number opens to E.164");
  // The record goes to the database as JSON: it must serialize.
  record.dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string line(burgernet::fuzz::as_text(data, size));
  // run_participants_import reads lines with std::getline: a line never holds a newline.
  if (line.find('\n') != std::string::npos) return 0;
  burgernet::fuzz::expect_refusal_at_most([&] { check(line); });
  return 0;
}
