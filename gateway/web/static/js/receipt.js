// "Bekræft kvitteringen" in Min log: verifies a receipt in the browser, with WebCrypto only.
//
// The receipt is a C2SP tlog-proof: "c2sp.org/tlog-proof@v1", "index N", the inclusion proof
// (base64 hashes), a blank line, then the signed checkpoint note. The page gives the log's
// verifier key (<name>+<hex key id>+<base64(0x01 ‖ Ed25519 key)>). Checked here:
//   1. the checkpoint note carries a valid Ed25519 signature by that key (name and key id);
//   2. SHA-256(0x00 ‖ entry) with the proof leads to the checkpoint's root (RFC 9162 §2.1.3.2).
// Nothing is sent back to the server: it only serves the two files, as for the CLI.
(function () {
  "use strict";

  var HEADER = "c2sp.org/tlog-proof@v1";
  var enc = new TextEncoder();

  function b64(text) {
    var raw = atob(text);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function concat() {
    var total = 0, i;
    for (i = 0; i < arguments.length; i++) total += arguments[i].length;
    var out = new Uint8Array(total), at = 0;
    for (i = 0; i < arguments.length; i++) { out.set(arguments[i], at); at += arguments[i].length; }
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    var diff = 0;
    for (var i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  function fail(code) { var e = new Error(code); e.code = code; throw e; }

  function parseReceipt(text) {
    var nl = text.indexOf("\n");
    if (text.slice(0, nl) !== HEADER) fail("malformed");
    var rest = text.slice(nl + 1);
    var split = rest.indexOf("\n\n");
    if (split < 0) fail("malformed");
    var lines = rest.slice(0, split).split("\n");
    if (lines[0].indexOf("extra ") === 0) lines.shift();
    var m = /^index (0|[1-9][0-9]*)$/.exec(lines.shift() || "");
    if (!m) fail("malformed");
    var proof = lines.map(function (l) { var h = b64(l); if (h.length !== 32) fail("malformed"); return h; });
    return { index: Number(m[1]), proof: proof, note: rest.slice(split + 2) };
  }

  function parseKey(text) {
    var first = text.indexOf("+"), second = text.indexOf("+", first + 1);
    var raw = b64(text.slice(second + 1));
    if (first < 1 || second < 0 || raw.length !== 33 || raw[0] !== 1) fail("key");
    return { name: text.slice(0, first), id: text.slice(first + 1, second), pub: raw.slice(1) };
  }

  async function openNote(note, key) {
    var split = note.lastIndexOf("\n\n");
    if (split < 0) fail("malformed");
    var body = note.slice(0, split + 1);
    var sigs = note.slice(split + 2).split("\n").filter(Boolean);
    var publicKey;
    try {
      publicKey = await crypto.subtle.importKey("raw", key.pub, { name: "Ed25519" }, false, ["verify"]);
    } catch (err) {
      fail("key");
    }
    for (var i = 0; i < sigs.length; i++) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(sigs[i]);
      if (!m || m[1] !== key.name) continue;
      var raw = b64(m[2]);
      var id = Array.from(raw.slice(0, 4), function (x) { return x.toString(16).padStart(2, "0"); }).join("");
      if (id !== key.id) continue;
      if (await crypto.subtle.verify({ name: "Ed25519" }, publicKey, raw.slice(4), enc.encode(body))) {
        var lines = body.slice(0, -1).split("\n");
        return { origin: lines[0], size: Number(lines[1]), root: b64(lines[2]) };
      }
      fail("signature");
    }
    fail("signature");
  }

  async function rootFromProof(index, size, leaf, proof) {
    if (!(index >= 0 && index < size)) fail("inclusion");
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < proof.length; i++) {
      var p = proof[i];
      if (sn === 0) fail("inclusion");
      if ((fn & 1) || fn === sn) {
        r = await sha256(concat(new Uint8Array([1]), p, r));
        if (!(fn & 1)) { while (!(fn & 1) && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
      } else {
        r = await sha256(concat(new Uint8Array([1]), r, p));
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) fail("inclusion");
    return r;
  }

  async function verify(receiptText, entry, keyText) {
    var receipt = parseReceipt(receiptText);
    var checkpoint = await openNote(receipt.note, parseKey(keyText));
    var leaf = await sha256(concat(new Uint8Array([0]), entry));
    var root = await rootFromProof(receipt.index, checkpoint.size, leaf, receipt.proof);
    if (!equal(root, checkpoint.root)) fail("inclusion");
    return { index: receipt.index, size: checkpoint.size };
  }

  async function onClick(event) {
    var button = event.currentTarget;
    var out = document.getElementById(button.getAttribute("aria-controls"));
    var key = document.body.dataset.logKey || document.querySelector("[data-log-key]").dataset.logKey;
    out.textContent = button.dataset.msgWorking;
    out.className = "verify-result";
    try {
      var fetched = await Promise.all([
        fetch(button.dataset.receiptUrl, { credentials: "same-origin" }),
        fetch(button.dataset.entryUrl, { credentials: "same-origin" }),
      ]);
      if (!fetched[0].ok || !fetched[1].ok) fail("download");
      var result = await verify(await fetched[0].text(), new Uint8Array(await fetched[1].arrayBuffer()), key);
      out.textContent = button.dataset.msgOk.replace("{index}", result.index).replace("{size}", result.size);
      out.className = "verify-result badge ok";
      out.dataset.verdict = "ok";
    } catch (err) {
      var code = err && typeof err.code === "string" ? err.code : "malformed";
      out.textContent = button.dataset["msgFail" + code.charAt(0).toUpperCase() + code.slice(1)] || button.dataset.msgFailMalformed;
      out.className = "verify-result badge err";
      out.dataset.verdict = code;
    }
  }

  document.querySelectorAll("[data-verify-receipt]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", onClick);
  });
  window.tvaersVerifyReceipt = verify; // for tests and the curious
})();
