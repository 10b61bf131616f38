// Live counters of the compose form, as the daemon measures (src/message/sms_text.cpp and
// tweet_text.cpp): GSM-7 septets or UCS-2 units and segments; a tweet's weighted length.
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '^{}\\[~]|€\f';

export function measureSms(text) {
  const chars = [...text];
  if (chars.length === 0) return {encoding: 'gsm7', units: 0, segments: 0, chars: 0};
  let septets = 0;
  let gsm = true;
  for (const c of chars) {
    if (GSM_BASIC.includes(c)) septets += 1;
    else if (GSM_EXTENSION.includes(c)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) {
    return {encoding: 'gsm7', units: septets, segments: septets <= 160 ? 1 : Math.ceil(septets / 153), chars: chars.length};
  }
  let units = 0;
  for (const c of chars) units += c.codePointAt(0) > 0xffff ? 2 : 1;
  return {encoding: 'ucs2', units, segments: units <= 70 ? 1 : Math.ceil(units / 67), chars: chars.length};
}

// X counts a URL as 23 and most characters outside Latin, general punctuation and a few ranges
// as 2 (twitter-text's weighted length, version 3).
export function tweetLength(text) {
  let length = 0;
  const withoutUrls = text.replace(/https?:\/\/\S+/g, () => {
    length += 23;
    return '';
  });
  for (const c of withoutUrls.normalize('NFC')) {
    const cp = c.codePointAt(0);
    const light = (cp <= 0x10ff) || (cp >= 0x2000 && cp <= 0x200d) || (cp >= 0x2010 && cp <= 0x201f) ||
      (cp >= 0x2032 && cp <= 0x2037);
    length += light ? 1 : 2;
  }
  return length;
}
