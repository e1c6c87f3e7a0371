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

  console.log(`ok: ${fixtures.cases.length} cases, ${checks} checks`);
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
