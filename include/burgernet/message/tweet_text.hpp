// Post text for the region's X and Mastodon accounts: its length as each network counts it,
// personal data removed, fitting.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace burgernet::message {

inline constexpr std::size_t kMaxTweetLength = 280;
inline constexpr std::size_t kMaxMastodonLength = 500;  // a stock Mastodon server's limit

// How a network counts a post's length. Both count a link as 23 (see tweet_length).
enum class PostCounting {
  kX,         // twitter-text v3's weights (tweet_length)
  kMastodon,  // every code point 1: Mastodon counts grapheme clusters, never more than code points
};

// The length of a post as `counting` counts it; never below the network's own count.
std::size_t post_length(std::string_view utf8, PostCounting counting);
// fit_tweet for any network: the text cut at a word boundary with "…" to fit `max`.
std::string fit_post(std::string_view utf8, std::size_t max, PostCounting counting);

// The weighted length of twitter-text v3: code points in 0-4351, 8192-8205, 8208-8223 and
// 8242-8247 weigh 1, all others 2; each link weighs 23 (X shortens it to a t.co link). Never
// below X's count: a link whose recognition by X is not certain (no scheme, or an unusual
// domain ending) counts max(23, its characters); an emoji of several code points (a skin
// tone, a family) counts each code point, where X counts the sequence as 2.
std::size_t tweet_length(std::string_view utf8);

// Removes e-mail addresses and phone numbers (a run of 9 or more digits, with separators,
// in Dutch national, international or E.164 form) from a text for a public post, and tidies
// the spaces and brackets around them. Shorter service numbers (0800-7000, 0900-8844, 112) stay:
// they belong to the police, not to a person. Digits inside links are left alone.
std::string strip_personal_data(std::string_view utf8);

// The text, as valid UTF-8, unchanged if tweet_length(text) <= max; otherwise cut at a word
// boundary (mid-word only if the first word alone is too long; a link is never cut) and ended
// with "…" so that it fits. Empty if not even that fits.
std::string fit_tweet(std::string_view utf8, std::size_t max = kMaxTweetLength);

}  // namespace burgernet::message
