// OAuth 1.0a signatures against published vectors: X's "Creating a signature" guide, RFC 5849
// section 1.2, and the OAuth Core 1.0 specification's Appendix A.
#include "channel/x/oauth1_signer.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>

using burgernet::channel::OAuth1Credentials;
using burgernet::channel::OAuth1Request;
using burgernet::channel::OAuth1Signer;

namespace {

// https://docs.x.com/fundamentals/authentication/oauth-1-0a/creating-a-signature (the guide now
// writes api.x.com in its prose, but its published signature was made for api.twitter.com).
const OAuth1Credentials kXGuide = {"xvz1evFS4wEEPTGEFPHBog", "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
                                   "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
                                   "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"};
const OAuth1Request kXGuideRequest = {
    "POST",
    "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
    {{"status", "Hello Ladies + Gentlemen, a signed OAuth request!"}}};
const std::string kXGuideNonce = "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg";
constexpr std::int64_t kXGuideTimestamp = 1318622958;

const OAuth1Credentials kPhotos = {"dpf43f3p2l4k3l03", "kd94hf93k423kf44", "nnch734d00sl2jdk",
                                   "pfkkdhi9sl3r4s00"};

std::map<std::string, std::string> header_fields(const std::string& header) {
  std::map<std::string, std::string> out;
  const std::regex field(R"re(([a-z_]+)="([^"]*)")re");
  for (auto it = std::sregex_iterator(header.begin(), header.end(), field); it != std::sregex_iterator();
       ++it) {
    out[(*it)[1]] = (*it)[2];
  }
  return out;
}

TEST(OAuth1Signer, ReproducesTheBaseStringOfXsGuide) {
  const OAuth1Signer signer(kXGuide);
  const auto params = signer.parameters(kXGuideRequest, kXGuideNonce, kXGuideTimestamp);
  EXPECT_EQ(
      OAuth1Signer::base_string(kXGuideRequest, params),
      "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_"
      "consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%"
      "26oauth_"
      "signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-"
      "GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%"
      "2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521");
}

TEST(OAuth1Signer, ReproducesTheSignatureOfXsGuide) {
  const OAuth1Signer signer(
      kXGuide, [] { return kXGuideNonce; }, [] { return kXGuideTimestamp; });
  const auto params = signer.parameters(kXGuideRequest, kXGuideNonce, kXGuideTimestamp);
  EXPECT_EQ(params.back().first, "oauth_signature");
  EXPECT_EQ(params.back().second, "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");

  // The header, with the injected nonce and clock: every field, percent-encoded.
  const std::string header = signer.authorization(kXGuideRequest);
  EXPECT_TRUE(header.starts_with("OAuth ")) << header;
  const auto fields = header_fields(header);
  EXPECT_EQ(fields.at("oauth_consumer_key"), "xvz1evFS4wEEPTGEFPHBog");
  EXPECT_EQ(fields.at("oauth_nonce"), kXGuideNonce);
  EXPECT_EQ(fields.at("oauth_signature_method"), "HMAC-SHA1");
  EXPECT_EQ(fields.at("oauth_timestamp"), "1318622958");
  EXPECT_EQ(fields.at("oauth_token"), "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb");
  EXPECT_EQ(fields.at("oauth_version"), "1.0");
  EXPECT_EQ(fields.at("oauth_signature"), "hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D");
  EXPECT_EQ(fields.size(), 7u);
}

TEST(OAuth1Signer, ReproducesRfc5849Section1_2) {
  // GET http://photos.example.net/photos?file=vacation.jpg&size=original, no oauth_version.
  const OAuth1Signer signer(kPhotos, {}, {}, /*with_version=*/false);
  const OAuth1Request request = {"GET", "http://photos.example.net/photos?file=vacation.jpg&size=original"};
  const auto params = signer.parameters(request, "chapoH", 137131202);
  EXPECT_EQ(OAuth1Signer::base_string(request, params),
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%"
            "3Ddpf43f3p2l4k3l03%"
            "26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%"
            "26oauth_token%"
            "3Dnnch734d00sl2jdk%26size%3Doriginal");
  EXPECT_EQ(params.back().second, "MdpQcU8iPSUjWoN/UDMsK2sui9I=");
  // The scheme's default port and upper-case host are normalised away (3.4.1.2).
  const OAuth1Request with_port = {"get",
                                   "HTTP://Photos.Example.NET:80/photos?size=original&file=vacation.jpg"};
  EXPECT_EQ(signer.parameters(with_port, "chapoH", 137131202).back().second, "MdpQcU8iPSUjWoN/UDMsK2sui9I=");
  // Any other port is part of what is signed.
  const OAuth1Request other_port = {"GET",
                                    "http://photos.example.net:8080/photos?file=vacation.jpg&size=original"};
  EXPECT_NE(signer.parameters(other_port, "chapoH", 137131202).back().second, "MdpQcU8iPSUjWoN/UDMsK2sui9I=");
}

TEST(OAuth1Signer, ReproducesOAuthCore1_0AppendixA) {
  // The same photo request as signed in OAuth Core 1.0, Appendix A.5 (with oauth_version).
  const OAuth1Signer signer(kPhotos);
  const OAuth1Request request = {"GET", "http://photos.example.net/photos?file=vacation.jpg&size=original"};
  EXPECT_EQ(signer.parameters(request, "kllo9940pd9333jh", 1191242096).back().second,
            "tR3+Ty81lMeYAr/Fid0kMTYa/WM=");
}

TEST(OAuth1Signer, SignsNoJsonBodyAndUsesAFreshNonceEachTime) {
  const OAuth1Signer signer({"ck", "cs", "tok", "ts"});
  const OAuth1Request post = {"POST", "https://api.x.com/2/tweets"};
  const auto first = header_fields(signer.authorization(post));
  const auto second = header_fields(signer.authorization(post));
  EXPECT_NE(first.at("oauth_nonce"), second.at("oauth_nonce"));
  EXPECT_GE(first.at("oauth_nonce").size(), 32u);
  // Only the oauth_* fields go into the base string of a JSON POST.
  const auto params = signer.parameters(post, "n", 1);
  EXPECT_EQ(
      OAuth1Signer::base_string(post, params),
      "POST&https%3A%2F%2Fapi.x.com%2F2%2Ftweets&oauth_consumer_key%3Dck%26oauth_nonce%3Dn%26oauth_signature_"
      "method%3DHMAC-SHA1%26oauth_timestamp%3D1%26oauth_token%3Dtok%26oauth_version%3D1.0");
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  EXPECT_NEAR(std::stoll(first.at("oauth_timestamp")), now, 5);
}

}  // namespace
