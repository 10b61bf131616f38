// Rewrites a Dutch alert text so that a text-to-speech voice reads it the way a person would.
#pragma once

#include <string>
#include <string_view>

namespace burgernet::message {

// For the voice channel (Twilio <Say>, nl-NL). Removes links and e-mail addresses, which
// cannot be followed by ear. Reads phone numbers, digit runs of 5 or more and hyphenated
// service numbers digit by digit ("0800-0011" -> "0 8 0 0, 0 0 1 1"), licence plates character
// by character ("12-ABC-3" -> "1 2, A B C, 3"), times in words ("14:30" -> "14 uur 30"), heights
// as spoken ("1.80 m" -> "1 meter 80"), and writes out units after a number and common Dutch
// abbreviations ("ca." -> "circa", "i.v.m." -> "in verband met"). Drops characters a voice reads
// badly (# * _ | < > and emoji), ends each line as a sentence and collapses whitespace.
// Any input is accepted; the result is valid UTF-8.
//
// Speech::kEnglish (a participant whose language is "en", read by an en-GB voice) keeps only
// what holds in any language: links and addresses removed, numbers, plates and 112 read
// character by character, symbols dropped; times, heights, units and abbreviations stay as
// written, which an English voice reads well enough, rather than become Dutch words.
enum class Speech { kDutch, kEnglish };
std::string speech_text(std::string_view text, Speech language = Speech::kDutch);

}  // namespace burgernet::message
