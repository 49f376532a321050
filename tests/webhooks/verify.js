// The receiver's verification in Node, as the docs give it; run by
// tests/webhooks/test_delivery.py against a real delivery:
// node verify.js SECRET SIGNATURE_HEADER BODY_FILE NOW_UNIX_SECONDS
const crypto = require("node:crypto");
const fs = require("node:fs");

// --- the receiver's verification, as the docs give it ---
function verify(secret, header, rawBody, toleranceS = 300, now = Date.now() / 1000) {
  const fields = Object.fromEntries(header.split(",").map((part) => {
    const at = part.indexOf("=");
    return [part.slice(0, at), part.slice(at + 1)];
  }));
  const sentAt = Number(fields.t);
  if (!Number.isInteger(sentAt) || Math.abs(now - sentAt) > toleranceS) return false;
  const expected = crypto.createHmac("sha256", secret).update(`${sentAt}.`).update(rawBody).digest();
  const sent = Buffer.from(fields.v1 || "", "hex");
  return sent.length === expected.length && crypto.timingSafeEqual(sent, expected);
}
// --- end ---

const [secret, header, bodyFile, now] = process.argv.slice(2);
process.stdout.write(String(verify(secret, header, fs.readFileSync(bodyFile), 300, Number(now))));
