// Sealing and look-up hashes of personal data: what one key seals only that key opens, for
// the same column only; a rotation keeps old data readable; key files are made private.
#include "burgernet/privacy/personal_data_keys.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace burgernet::privacy {
namespace {

Key key(unsigned char fill) {
  Key k;
  k.fill(fill);
  return k;
}

TEST(PersonalDataKeys, SealedDataOpensAndHidesThePlaintext) {
  const PersonalDataKeys keys(key(1), {}, key(2));
  const auto sealed = keys.seal("+31612345678", "phone");
  EXPECT_EQ(sealed.rfind("\\x01", 0), 0u) << "bytea text, version 1";
  EXPECT_EQ(from_bytea_text(sealed).find("612345678"), std::string::npos);
  EXPECT_EQ(keys.open(sealed, "phone"), "+31612345678");
  EXPECT_NE(keys.seal("+31612345678", "phone"), sealed) << "a fresh nonce each time";
  EXPECT_EQ(keys.open(keys.seal("", "email"), "email"), "");
}

TEST(PersonalDataKeys, AValueDoesNotOpenAsAnotherColumnOrWhenAltered) {
  const PersonalDataKeys keys(key(1), {}, key(2));
  const auto sealed = keys.seal("+31612345678", "phone");
  EXPECT_THROW(keys.open(sealed, "email"), KeyError);
  auto bytes = from_bytea_text(sealed);
  bytes[bytes.size() / 2] ^= 1;
  EXPECT_THROW(keys.open(to_bytea_text(bytes), "phone"), KeyError);
  EXPECT_THROW(keys.open("\\x01", "phone"), KeyError);
  EXPECT_THROW(keys.open("not bytea", "phone"), KeyError);
}

TEST(PersonalDataKeys, AfterARotationOldDataOpensAndNewDataUsesTheNewKey) {
  const PersonalDataKeys before(key(1), {}, key(9));
  const auto old_sealed = before.seal("jan@example.nl", "email");
  const PersonalDataKeys after(key(3), {key(1)}, key(9));
  EXPECT_EQ(after.open(old_sealed, "email"), "jan@example.nl");
  EXPECT_FALSE(after.is_current(old_sealed));
  EXPECT_TRUE(after.is_current(after.seal("x", "email")));
  const PersonalDataKeys forgotten(key(3), {}, key(9));
  EXPECT_THROW(forgotten.open(old_sealed, "email"), KeyError);
}

TEST(PersonalDataKeys, LookupHashesAreEqualForEqualNumbersAndDependOnTheKey) {
  const PersonalDataKeys a(key(1), {}, key(2)), b(key(1), {}, key(3));
  EXPECT_EQ(a.lookup("+31612345678"), a.lookup("+31612345678"));
  EXPECT_NE(a.lookup("+31612345678"), a.lookup("+31612345679"));
  EXPECT_NE(a.lookup("+31612345678"), b.lookup("+31612345678"));
  EXPECT_EQ(a.lookup("+31612345678").size(), 2u + 64u);
}

TEST(KeyFile, ACreatedKeyIsPrivateReadBackTheSameAndNeverReplaced) {
  const auto dir = std::filesystem::temp_directory_path() / ("burgernet-keys-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const auto path = (dir / "sub" / "personal-data.key").string();
  EXPECT_THROW(read_key_file(path), KeyError);
  EXPECT_FALSE(std::filesystem::exists(path)) << "reading never creates";
  ASSERT_TRUE(create_key_file(path));
  const auto created = read_key_file(path);
  EXPECT_FALSE(create_key_file(path)) << "an existing key is never replaced";
  EXPECT_EQ(read_key_file(path), created);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir / "sub").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);

  std::ofstream(dir / "short.key") << "abcd\n";
  EXPECT_THROW(read_key_file((dir / "short.key").string()), KeyError);
  std::ofstream(dir / "hex.key") << std::string(64, 'A') << "\n";
  EXPECT_EQ(read_key_file((dir / "hex.key").string()), key(0xAA));
  std::filesystem::remove_all(dir);
}

TEST(KeyFile, LoadingAMissingKeyNamesTheFileAndKeysInitAndCreatesNothing) {
  const auto dir = std::filesystem::temp_directory_path() / ("burgernet-nokeys-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  config::PrivacyConfig config;
  config.key_file = (dir / "personal-data.key").string();
  config.lookup_key_file = (dir / "lookup.key").string();
  try {
    PersonalDataKeys::load(config);
    ADD_FAILURE() << "a missing key file must not load";
  } catch (const KeyError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("privacy.key_file " + config.key_file), std::string::npos) << message;
    EXPECT_NE(message.find("burgernetctl --config FILE keys init"), std::string::npos) << message;
  }
  EXPECT_FALSE(std::filesystem::exists(dir)) << "nothing created, not even the folder";
}

TEST(KeyFingerprint, DependsOnKeyAndPurposeAndIsNotTheKeyNorItsId) {
  const PersonalDataKeys keys(key(1), {key(3)}, key(2));
  const auto sealing = keys.sealing_identity();
  EXPECT_EQ(sealing.fingerprint, key_fingerprint(key(1), "seal"));
  EXPECT_EQ(sealing.fingerprint.size(), 64u);
  EXPECT_NE(key_fingerprint(key(1), "seal"), key_fingerprint(key(1), "lookup"));
  EXPECT_NE(key_fingerprint(key(1), "seal"), key_fingerprint(key(2), "seal"));
  EXPECT_EQ(keys.lookup_identity().fingerprint, key_fingerprint(key(2), "lookup"));
  EXPECT_EQ(sealing.fingerprint.find("0101010101010101"), std::string::npos) << "not the key in hex";
  // The key id is what every sealed value carries after the version byte.
  EXPECT_EQ(keys.seal("x", "phone").substr(4, 8), sealing.key_id);
  EXPECT_NE(sealing.fingerprint.substr(0, 8), sealing.key_id) << "a separate label: not SHA-256 of the key";
  ASSERT_EQ(keys.previous_identities().size(), 1u);
  EXPECT_EQ(keys.previous_identities()[0].fingerprint, key_fingerprint(key(3), "seal"));
}

}  // namespace
}  // namespace burgernet::privacy
