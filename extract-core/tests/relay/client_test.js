// Runs the relay's JavaScript client against fixtures written by the Rust
// side (tests/relay/js.rs): node client_test.js <client.js> <fixtures.json>
//
// For every case: the patches applied in order to {} give every snapshot;
// the SSE and NDJSON bodies, cut into random chunks (inside UTF-8
// sequences and between \r and \n too), read back to the same states and
// the same final value. Plus malformed and truncated bodies end in errors.
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");

const [clientPath, fixturesPath] = process.argv.slice(2);
const client = require(clientPath);
const fixtures = JSON.parse(fs.readFileSync(fixturesPath, "utf8"));

let seed = 0x2545f491;
function random(n) {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed % n;
}

function chunked(text, pieces) {
  const bytes = Buffer.from(text, "utf8");
  const cuts = [];
  for (let i = 0; i < pieces; i++) cuts.push(random(bytes.length + 1));
  cuts.push(0, bytes.length);
  cuts.sort((a, b) => a - b);
  const chunks = [];
  for (let i = 1; i < cuts.length; i++) chunks.push(new Uint8Array(bytes.subarray(cuts[i - 1], cuts[i])));
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function readBody(text, format, pieces) {
  const states = [];
  const items = [];
  const result = await client.read(chunked(text, pieces), {
    onState: (state) => states.push(structuredClone(state)),
    onItem: (item) => items.push(item),
  }, { format });
  return { states, items, result };
}

async function main() {
  let checks = 0;
  for (const [index, fixture] of fixtures.cases.entries()) {
    const where = `case ${index}`;
    for (const mode of ["append", "strict"]) {
      let doc = {};
      fixture.patches[mode].forEach((ops, step) => {
        doc = client.applyPatch(doc, ops);
        assert.deepStrictEqual(doc, fixture.snapshots[step], `${where} ${mode} step ${step}`);
        checks++;
      });
    }
    const bodies = [
      ["sse", fixture.sse],
      ["sse", fixture.sse.replace(/\n/g, "\r\n")],
      ["sse", fixture.sse.replace(/\n/g, "\r")],
      ["ndjson", fixture.ndjson],
      ["sse", fixture.sse_snapshots],
    ];
    for (const [format, body] of bodies) {
      for (const pieces of [0, 3, 40]) {
        const { states, result } = await readBody(body, format, pieces);
        const label = `${where} ${format} in ${pieces + 1} pieces`;
        assert.equal(result.error, null, `${label}: ${JSON.stringify(result.error)}`);
        assert.equal(result.done, true, label);
        const expected = body === fixture.sse_snapshots ? fixture.snapshot_states : fixture.snapshots;
        assert.deepStrictEqual(states, expected, label);
        assert.deepStrictEqual(result.value, fixture.done, label);
        checks++;
      }
    }
  }

  const items = await readBody(fixtures.items_sse, "sse", 5);
  assert.deepStrictEqual(items.items, fixtures.items);
  assert.deepStrictEqual(items.result.value, fixtures.items);

  const malformed = await readBody("event: patch\ndata: [{\"op\":\"add\"\n\n", "sse", 2);
  assert.equal(malformed.result.error.kind, "client");
  const badOp = await readBody("event: patch\ndata: [{\"op\":\"remove\",\"path\":\"/x\"}]\n\n", "sse", 2);
  assert.equal(badOp.result.error.kind, "client");
  const cut = await readBody(fixtures.cases[0].sse.split("event: done")[0], "sse", 2);
  assert.equal(cut.result.error.kind, "interrupted");
  assert.equal(cut.result.done, false);
  const failed = await readBody(fixtures.error_sse, "sse", 4);
  assert.deepStrictEqual(failed.result.error, fixtures.error);

  const proto = client.applyPatch({}, [{ op: "add", path: "/__proto__", value: { polluted: true } }]);
  assert.deepStrictEqual(Object.keys(proto), ["__proto__"]);
  assert.equal({}.polluted, undefined);
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.deepStrictEqual(client.parsePointer("/a~1b/~01/"), ["a/b", "~1", ""]);
  assert.throws(() => client.parsePointer("/a~2"));
  assert.throws(() => client.applyPatch({ a: [1] }, [{ op: "add", path: "/a/01", value: 1 }]));

  checks += await idsAndState();
  checks += await reconnects();

  console.log(`ok: ${fixtures.cases.length} cases, ${checks} checks`);
}

// Splits an SSE body into its messages (blocks), with their ids.
function blocks(text) {
  return text.split("\n\n").filter((b) => b !== "").map((block) => {
    const id = /^id: (\d+)$/m.exec(block);
    return { text: block + "\n\n", id: id ? Number(id[1]) : null };
  });
}

function body(text, { cutAt, error } = {}) {
  const bytes = Buffer.from(text, "utf8");
  const end = cutAt === undefined ? bytes.length : cutAt;
  return new ReadableStream({
    start(controller) {
      // In two reads, the first ending inside a message.
      const half = Math.floor(end / 2);
      controller.enqueue(new Uint8Array(bytes.subarray(0, half)));
      controller.enqueue(new Uint8Array(bytes.subarray(half, end)));
      if (error) controller.error(new TypeError("network error"));
      else controller.close();
    },
  });
}

function response(text, headers, options) {
  return new Response(body(text, options), {
    status: 200,
    headers: Object.assign({ "content-type": "text/event-stream" }, headers),
  });
}

async function idsAndState() {
  let checks = 0;
  // A message repeated (same id) is applied once.
  const all = blocks(fixtures.resumable.sse);
  const repeated = all.slice(0, 6).concat(all.slice(3)).map((b) => b.text).join("");
  let states = 0;
  const result = await client.read(body(repeated), { onState: () => states++ }, { format: "sse" });
  assert.equal(result.error, null);
  assert.deepStrictEqual(result.value, fixtures.resumable.done);
  assert.deepStrictEqual(result.state, fixtures.resumable.done);
  assert.equal(states, all.length - 1, "one onState per patch, none twice");
  checks++;

  // `state` messages: the progress handed to onState.
  const seen = [];
  const stateful = await client.read(body(fixtures.state_sse), {
    onState: (state, progress) => seen.push({ active: progress.active, completed: [...progress.completed].sort() }),
  }, { format: "sse" });
  assert.deepStrictEqual(seen, [
    { active: "/a", completed: [] },
    { active: "/b", completed: ["/a"] },
    { active: "/c", completed: [] },
    { active: null, completed: ["/c"] },
  ]);
  const progress = stateful.progress;
  assert.equal(progress.isComplete("/c"), true);
  assert.equal(progress.isComplete(""), true, "done completes the root");
  assert.equal(progress.isComplete("/x/y"), true, "inside the completed root");
  const partial = new (Object.getPrototypeOf(progress).constructor)();
  partial.completed.add("/users/2");
  assert.equal(partial.isComplete("/users/2/name"), true);
  assert.equal(partial.isComplete("/users/20"), false);
  assert.equal(partial.isComplete("/users"), false);
  checks++;
  return checks;
}

// A fake server for `stream`: the first response is cut after `cut` bytes
// (an error, or an early end), each resume answers from the messages after
// the one asked for, repeating `overlap` of them (which must be skipped).
async function serve(text, { cut, error, overlap = 0, status = 200, format = "sse", cuts = 1 }) {
  const requests = [];
  const reconnects = [];
  const original = globalThis.fetch;
  const isSse = format === "sse";
  const messages = isSse
    ? blocks(text)
    : text.split("\n").filter((l) => l).map((l) => ({ text: l + "\n", id: JSON.parse(l).id }));
  const type = isSse ? "text/event-stream" : "application/x-ndjson";
  globalThis.fetch = async (url, init) => {
    const headers = new Headers(init && init.headers);
    requests.push({ url, lastEventId: headers.get("last-event-id"), body: init.body });
    const resumed = /[?&]stream=s1&after=(\d+)$/.exec(url);
    if (requests.length > 1 && !resumed) throw new Error("not a resume: " + url);
    const after = resumed ? Number(resumed[1]) : 0;
    if (resumed) assert.equal(headers.get("last-event-id"), String(after));
    if (resumed && status !== 200) return new Response("gone", { status });
    const rest = messages.filter((m) => m.id === null || m.id > after - overlap).map((m) => m.text).join("");
    const cutHere = requests.length <= cuts;
    return response(rest, { "x-relay-stream": "s1", "content-type": type },
      cutHere ? { cutAt: Math.min(cut, Buffer.byteLength(rest)), error } : {});
  };
  try {
    const states = [];
    const result = await client.stream("/extract?format=" + format, { method: "POST", body: "text" }, {
      onState: (state) => states.push(structuredClone(state)),
      onReconnect: (info) => reconnects.push(info),
    }, { reconnect: { attempts: 3, delay: 1, maxDelay: 4 } });
    return { result, requests, reconnects, states };
  } finally {
    globalThis.fetch = original;
  }
}

async function reconnects() {
  let checks = 0;
  const { sse, ndjson, done } = fixtures.resumable;
  const total = blocks(sse).length;
  for (const [format, text] of [["sse", sse], ["ndjson", ndjson]]) {
    for (const cut of [1, 150, 700, 1500]) {
      for (const error of [false, true]) {
        for (const overlap of [0, 3]) {
          const label = `${format} cut at ${cut} ${error ? "by an error" : "by an early end"}, overlap ${overlap}`;
          const { result, requests, reconnects, states } = await serve(text, { cut, error, overlap, format });
          assert.equal(result.error, null, label + ": " + JSON.stringify(result.error));
          assert.deepStrictEqual(result.value, done, label);
          assert.deepStrictEqual(result.state, done, label);
          assert.equal(states.length, total - 1, label + ": every patch applied once");
          assert.equal(result.streamId, "s1");
          assert.equal(requests.length, 2, label);
          assert.equal(reconnects.length, 1, label);
          assert.equal(result.reconnects, 1);
          assert.equal(requests[1].body, "text", "the same request again");
          assert.equal(reconnects[0].after, Number(/after=(\d+)/.exec(requests[1].url)[1]));
          checks++;
        }
      }
    }
  }
  // Cut on every connection: gives up after the attempts, keeping the state.
  const stubborn = await serve(sse, { cut: 1, error: true, cuts: 100 });
  assert.equal(stubborn.result.error.kind, "interrupted");
  assert.equal(stubborn.requests.length, 4, "1 + 3 attempts");
  assert.deepStrictEqual(stubborn.reconnects.map((r) => r.delay), [1, 2, 4]);
  // Each connection makes progress: the budget counts failures in a row.
  const progressing = await serve(sse, { cut: 200, cuts: 1000 });
  assert.equal(progressing.result.error, null);
  assert.deepStrictEqual(progressing.result.value, done);
  assert.ok(progressing.requests.length > 5, "" + progressing.requests.length);
  const gone = await serve(sse, { cut: 200, status: 404 });
  assert.equal(gone.result.error.kind, "gone");
  assert.ok(gone.result.error.partial !== undefined);
  checks += 2;

  // Without a stream id: not resumable, as before.
  const original = globalThis.fetch;
  globalThis.fetch = async () => response(sse, {}, { cutAt: 300 });
  try {
    const plain = await client.stream("/extract", {}, {});
    assert.equal(plain.error.kind, "interrupted");
    const off = await serveOff(sse);
    assert.equal(off.error.kind, "interrupted");
  } finally {
    globalThis.fetch = original;
  }
  // Aborted while waiting to reconnect: ends "aborted", no more stream
  // requests, and one request that cancels the stream on the server.
  const controller = new AbortController();
  const calls = [];
  globalThis.fetch = async (url, init) => {
    calls.push({ url: String(url), init });
    return response(sse, { "x-relay-stream": "s1" }, { cutAt: 300 });
  };
  try {
    const aborted = await client.stream("/extract?format=sse", { method: "POST", body: "notes", signal: controller.signal }, {
      onReconnect: () => controller.abort(),
    }, { reconnect: { delay: 10000 } });
    assert.equal(aborted.error.kind, "aborted");
    assert.equal(calls.length, 2, "the stream, then its cancel");
    assert.equal(calls[1].url, "/extract?format=sse&stream=s1&after=0&cancel=1");
    assert.equal(calls[1].init.keepalive, true);
    assert.equal(calls[1].init.method, "POST");
  } finally {
    globalThis.fetch = original;
  }
  // A stream that ended is not cancelled; one without an id cannot be.
  calls.length = 0;
  globalThis.fetch = async (url, init) => {
    calls.push({ url: String(url), init });
    return response(sse, { "x-relay-stream": "s1" }, {});
  };
  try {
    const finished = await client.stream("/extract", {}, {});
    assert.equal(finished.error, null);
    assert.equal(calls.length, 1, "no cancel after the end");
  } finally {
    globalThis.fetch = original;
  }
  checks += 4;
  return checks;
}

// `reconnect: false`: a resumable stream cut short is not resumed.
async function serveOff(sse) {
  globalThis.fetch = async () => response(sse, { "x-relay-stream": "s1" }, { cutAt: 300 });
  return client.stream("/extract", {}, {}, { reconnect: false });
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
