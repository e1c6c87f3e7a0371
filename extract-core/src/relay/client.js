// ExtractRelay: the dependency-free client of an `extract` relay body.
//
// Reads a Server-Sent Events or NDJSON body with fetch + ReadableStream,
// applies `patch` messages (RFC 6902 add/remove/replace plus the `append`
// extension for growing strings) and calls back with each state.
//
//   ExtractRelay.stream("/extract", { method: "POST", body: text }, {
//     onState(state, progress) { render(state) },  // after each snapshot/patch
//     onItem(item, items) { addRow(item) },    // each complete list item
//     onDone(value) { render(value) },         // the final, validated value
//     onError(info) { show(info.message, info.partial) },
//     onBytes(n) { received += n },            // each network read
//     onReconnect(info) { note(info.attempt) },  // before each reconnect
//   }, { reconnect: { attempts: 5, delay: 250, maxDelay: 4000 } })
//     .then(result => ...)  // {state, items, value, done, error, progress, streamId, reconnects}
//
// `progress` (with the server's `state` messages, `Relay::with_state`):
// {active: "/users/3/name" or null, completed: Set of JSON Pointers,
// isComplete(pointer)}. A resumable stream (the server's `Hub`, response
// header `x-relay-stream`) whose connection drops is resumed by itself:
// the same request again with `?stream=<id>&after=<last id>` and
// `Last-Event-ID`; messages already applied (by id) are skipped.
//
// The state object is updated in place; copy it if your renderer needs
// immutable values. Works in browsers and in Node.js >= 18 (`require`).
(function (global) {
  "use strict";

  function fail(message) {
    throw new Error("extract relay: " + message);
  }

  // RFC 6901: "" is the whole document; "/a~1b/0" is ["a/b", "0"].
  function parsePointer(pointer) {
    if (pointer === "") return [];
    if (typeof pointer !== "string" || pointer[0] !== "/") fail("bad pointer " + JSON.stringify(pointer));
    return pointer.slice(1).split("/").map(function (segment) {
      if (/~(?![01])/.test(segment)) fail("bad escape in " + JSON.stringify(pointer));
      return segment.replace(/~1/g, "/").replace(/~0/g, "~");
    });
  }

  function arrayIndex(array, segment, forInsert) {
    if (forInsert && segment === "-") return array.length;
    if (!/^(0|[1-9][0-9]*)$/.test(segment)) fail("bad array index " + JSON.stringify(segment));
    var index = Number(segment);
    if (index > array.length || (!forInsert && index === array.length)) fail("index out of range " + segment);
    return index;
  }

  function isContainer(value) {
    return value !== null && typeof value === "object";
  }

  function has(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  // obj[key] = value, except that a "__proto__" key becomes an own
  // member (as JSON.parse makes it) instead of changing the prototype.
  function setMember(object, key, value) {
    if (key === "__proto__") {
      Object.defineProperty(object, key, { value: value, writable: true, enumerable: true, configurable: true });
    } else {
      object[key] = value;
    }
  }

  // Applies one operation; returns the (possibly new) document.
  function applyOp(doc, op) {
    if (!isContainer(op) || typeof op.op !== "string") fail("not an operation");
    var path = parsePointer(op.path);
    if (path.length === 0) {
      switch (op.op) {
        case "add":
        case "replace":
          return op.value;
        case "append":
          if (typeof doc !== "string" || typeof op.value !== "string") fail("append needs strings");
          return doc + op.value;
        default:
          fail("cannot " + op.op + " the whole document");
      }
    }
    var parent = doc;
    for (var i = 0; i < path.length - 1; i++) {
      var segment = path[i];
      if (Array.isArray(parent)) parent = parent[arrayIndex(parent, segment, false)];
      else if (isContainer(parent) && has(parent, segment)) parent = parent[segment];
      else fail("no value at " + op.path);
    }
    var last = path[path.length - 1];
    if (Array.isArray(parent)) {
      var index = arrayIndex(parent, last, op.op === "add");
      switch (op.op) {
        case "add": parent.splice(index, 0, op.value); break;
        case "remove": parent.splice(index, 1); break;
        case "replace": parent[index] = op.value; break;
        case "append":
          if (typeof parent[index] !== "string" || typeof op.value !== "string") fail("append needs strings");
          parent[index] += op.value;
          break;
        default: fail("unsupported op " + op.op);
      }
    } else if (isContainer(parent)) {
      if (op.op !== "add" && !has(parent, last)) fail("no member at " + op.path);
      switch (op.op) {
        case "add":
        case "replace": setMember(parent, last, op.value); break;
        case "remove": delete parent[last]; break;
        case "append":
          if (typeof parent[last] !== "string" || typeof op.value !== "string") fail("append needs strings");
          parent[last] += op.value;
          break;
        default: fail("unsupported op " + op.op);
      }
    } else {
      fail("no container at " + op.path);
    }
    return doc;
  }

  // Applies a list of operations to `doc` (in place where it can) and
  // returns the resulting document.
  function applyPatch(doc, ops) {
    if (!Array.isArray(ops)) fail("a patch is an array of operations");
    for (var i = 0; i < ops.length; i++) doc = applyOp(doc, ops[i]);
    return doc;
  }

  // Splits text into lines ending at \r\n, \r or \n. Only new text is
  // scanned (a long line split over many chunks costs linear time); a \r
  // ending one chunk and a \n starting the next are one line break.
  function LineSplitter() {
    this.rest = "";
    this.afterCr = false;
  }
  LineSplitter.prototype.push = function (text, end) {
    var lines = [];
    var start = 0;
    if (this.afterCr && text.length > 0) {
      if (text.charCodeAt(0) === 10) start = 1;
      this.afterCr = false;
    }
    for (var i = start; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c === 10 || c === 13) {
        lines.push(this.rest + text.slice(start, i));
        this.rest = "";
        if (c === 13) {
          if (i + 1 === text.length) this.afterCr = true;
          else if (text.charCodeAt(i + 1) === 10) i++;
        }
        start = i + 1;
      }
    }
    if (start < text.length) this.rest += text.slice(start);
    if (end && this.rest !== "") {
      lines.push(this.rest);
      this.rest = "";
    }
    return lines;
  };

  // Server-Sent Events parser (the WHATWG algorithm, minus retry; the
  // reconnection is the stream's, with the last id it applied).
  function SseParser(dispatch) {
    this.lines = new LineSplitter();
    this.event = "";
    this.data = [];
    this.id = null;
    this.dispatch = dispatch;
  }
  SseParser.prototype.push = function (text, end) {
    var lines = this.lines.push(text, end);
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (line === "") {
        if (this.data.length > 0) this.dispatch(this.event || "message", this.data.join("\n"), false, this.id);
        this.event = "";
        this.data = [];
        this.id = null;
        continue;
      }
      if (line[0] === ":") continue;
      var colon = line.indexOf(":");
      var field = colon < 0 ? line : line.slice(0, colon);
      var value = colon < 0 ? "" : line.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "event") this.event = value;
      else if (field === "data") this.data.push(value);
      else if (field === "id") this.id = value;
    }
  };

  function NdjsonParser(dispatch) {
    this.lines = new LineSplitter();
    this.dispatch = dispatch;
  }
  NdjsonParser.prototype.push = function (text, end) {
    var lines = this.lines.push(text, false);
    for (var i = 0; i < lines.length; i++) {
      if (lines[i].trim() === "") continue;
      var message = JSON.parse(lines[i]);
      this.dispatch(message.event, message.data, true, message.id);
    }
    if (end && this.lines.rest.trim() !== "") {
      // The last line has no line break: whole, or the body was cut in it
      // (then it is not a message; the end tells the body was cut).
      var rest = this.lines.rest;
      this.lines.rest = "";
      var last;
      try { last = JSON.parse(rest); } catch (e) { return; }
      this.dispatch(last.event, last.data, true, last.id);
    }
  };

  function callback(handlers, name, a, b) {
    if (handlers && typeof handlers[name] === "function") handlers[name](a, b);
  }

  // The field state the server's `state` messages describe: the value
  // being written and the set of values received in full (outermost
  // pointers; everything inside a completed value is complete too).
  function Progress() {
    this.active = null;
    this.completed = new Set();
  }
  Progress.prototype.isComplete = function (pointer) {
    if (this.completed.has(pointer)) return true;
    for (var i = pointer.lastIndexOf("/"); i >= 0; i = pointer.lastIndexOf("/", i - 1)) {
      if (this.completed.has(pointer.slice(0, i))) return true;
      if (i === 0) break;
    }
    return false;
  };

  // Follows the messages of one stream (over one or more connections):
  // the state, the items, the field progress, the end. A message with an
  // id at or below the last one applied is skipped.
  function Session(handlers) {
    this.handlers = handlers || {};
    this.lastId = 0;
    this.result = {
      state: {}, items: [], value: undefined, done: false, error: null,
      progress: new Progress(), streamId: null, reconnects: 0,
    };
  }
  Session.prototype.ended = function () {
    return this.result.done || this.result.error !== null;
  };
  Session.prototype.message = function (name, data, parsed, id) {
    var result = this.result;
    if (this.ended()) return;
    if (id !== undefined && id !== null && id !== "") {
      var n = Number(id);
      if (n === Math.floor(n) && n >= 0) {
        if (n <= this.lastId) return; // already applied
        this.lastId = n;
      }
    }
    var payload = parsed ? data : JSON.parse(data);
    var progress = result.progress;
    switch (name) {
      case "snapshot":
        result.state = payload;
        callback(this.handlers, "onState", result.state, progress);
        break;
      case "patch":
        result.state = applyPatch(result.state, payload);
        callback(this.handlers, "onState", result.state, progress);
        break;
      case "state":
        if (!isContainer(payload) || !Array.isArray(payload.completed)) fail("a state message is {active, completed}");
        if (payload.reset) progress.completed.clear();
        for (var i = 0; i < payload.completed.length; i++) progress.completed.add(payload.completed[i]);
        progress.active = typeof payload.active === "string" ? payload.active : null;
        break; // shown with the patch that follows
      case "item":
        result.items.push(payload);
        callback(this.handlers, "onItem", payload, result.items);
        break;
      case "done":
        result.done = true;
        result.value = payload;
        progress.active = null;
        progress.completed.add("");
        callback(this.handlers, "onDone", payload, result);
        break;
      case "error":
        result.error = payload;
        callback(this.handlers, "onError", payload, result);
        break;
      default:
        break; // unknown messages are ignored, for forward compatibility
    }
  };
  Session.prototype.fail = function (message, kind) {
    if (this.ended()) return;
    this.message("error", { message: message, kind: kind, partial: this.result.state }, true);
  };

  function isNdjson(contentType) {
    return /ndjson|jsonl|json-seq/i.test(contentType || "");
  }

  function errorText(e) {
    return String(e && e.message ? e.message : e);
  }

  function isAbort(e) {
    return !!e && e.name === "AbortError";
  }

  // Reads one body into `session`. Returns "end" (done, error, or a
  // malformed message: the session has ended), "cut" (the connection
  // dropped or the body ended early; nothing was reported) or "aborted".
  async function readBody(session, source, options) {
    var body = source && source.body !== undefined ? source.body : source;
    var contentType = source && source.headers ? source.headers.get("content-type") : "";
    var ndjson = options.format ? options.format === "ndjson" : isNdjson(contentType);
    var dispatch = function (name, data, parsed, id) { session.message(name, data, parsed, id); };
    var parser = ndjson ? new NdjsonParser(dispatch) : new SseParser(dispatch);
    if (!body || typeof body.getReader !== "function") {
      session.fail("the response has no readable body", "client");
      return "end";
    }
    var reader = body.getReader();
    var decoder = new TextDecoder("utf-8");
    var outcome = "cut";
    for (;;) {
      var chunk;
      try {
        chunk = await reader.read();
      } catch (e) {
        outcome = isAbort(e) ? "aborted" : "cut";
        break;
      }
      try {
        if (chunk.done) {
          parser.push(decoder.decode(), true);
        } else {
          callback(session.handlers, "onBytes", chunk.value.byteLength);
          parser.push(decoder.decode(chunk.value, { stream: true }), false);
        }
      } catch (e) {
        session.fail(errorText(e), "client"); // a malformed message
      }
      if (session.ended()) {
        outcome = "end";
        break;
      }
      if (chunk.done) break;
    }
    // Stop the body (a malformed message, or trailing bytes after the
    // end): the server then drops the request upstream.
    try { await reader.cancel(); } catch (e) { /* already closed */ }
    return outcome;
  }

  // Reads a fetch Response (or any ReadableStream of bytes, with
  // options.format "sse" or "ndjson"); resolves to the result
  // {state, items, value, done, error, progress}. Never rejects for a bad
  // body: a malformed message or a dropped connection ends with onError.
  async function read(source, handlers, options) {
    var session = new Session(handlers);
    var outcome = await readBody(session, source, options || {});
    if (outcome === "aborted") session.fail("aborted", "aborted");
    else if (outcome === "cut") session.fail("the stream ended before the answer was complete", "interrupted");
    return session.result;
  }

  // The reconnection settings: {attempts, delay, maxDelay} (ms), or null
  // when off (`reconnect: false`).
  function reconnectOptions(option) {
    if (option === false) return null;
    option = option || {};
    return {
      attempts: option.attempts === undefined ? 5 : option.attempts,
      delay: option.delay === undefined ? 250 : option.delay,
      maxDelay: option.maxDelay === undefined ? 4000 : option.maxDelay,
    };
  }

  // `url` asking to resume `stream` after message `after`.
  function resumeUrl(url, stream, after) {
    var hash = url.indexOf("#");
    if (hash >= 0) url = url.slice(0, hash);
    return url + (url.indexOf("?") >= 0 ? "&" : "?") +
      "stream=" + encodeURIComponent(stream) + "&after=" + after;
  }

  // `init` with a Last-Event-ID header.
  function resumeInit(init, after) {
    var headers = new Headers(init && init.headers);
    headers.set("Last-Event-ID", String(after));
    return Object.assign({}, init, { headers: headers });
  }

  // Tells the server the page is done with a resumable stream, so it drops
  // the request to the model at once instead of keeping it for a resume
  // that will not come. Fire and forget, `keepalive` so it survives the
  // page going away.
  function cancelStream(url, init, stream) {
    if (typeof fetch !== "function") return;
    var target = resumeUrl(url, stream, 0) + "&cancel=1";
    try {
      var sent = fetch(target, { method: (init && init.method) || "POST", keepalive: true });
      if (sent && typeof sent.catch === "function") sent.catch(function () {});
    } catch (e) {
      // Nothing more to do: the server's expiry drops the stream.
    }
  }

  function wait(ms, signal) {
    return new Promise(function (resolve) {
      if (signal && signal.aborted) return resolve();
      var timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        if (signal) signal.removeEventListener("abort", done);
        resolve();
      }
      if (signal) signal.addEventListener("abort", done);
    });
  }

  // One request of a stream: "end", "aborted", or a reason to reconnect.
  async function connect(session, url, init, options) {
    var resuming = session.result.streamId !== null;
    var response;
    try {
      response = await fetch(url, init);
    } catch (e) {
      if (isAbort(e)) return "aborted";
      if (resuming) return "the server could not be reached: " + errorText(e);
      session.fail(errorText(e), "network");
      return "end";
    }
    if (!response.ok) {
      if (resuming && (response.status >= 500 || response.status === 408 || response.status === 429)) {
        return "HTTP " + response.status;
      }
      var text = "";
      try { text = await response.text(); } catch (e) { /* body unreadable */ }
      var gone = resuming && (response.status === 404 || response.status === 410);
      session.fail((gone ? "the stream can no longer be resumed: " : "") + "HTTP " + response.status + (text ? ": " + text : ""), gone ? "gone" : "http");
      return "end";
    }
    var id = response.headers ? response.headers.get("x-relay-stream") : null;
    if (!resuming) {
      session.result.streamId = id;
    } else if (id !== session.result.streamId) {
      try { await response.body.cancel(); } catch (e) { /* closed */ }
      session.fail("the server answered the resume with another stream", "gone");
      return "end";
    }
    var outcome = await readBody(session, response, options);
    return outcome === "cut" ? "the connection dropped" : outcome;
  }

  // fetch(url, init) and read the body, resuming it after a dropped
  // connection when the server made it resumable. init.signal (an
  // AbortSignal) cancels the request, and the server then drops the
  // upstream request: for a resumable stream the client asks for that
  // (`?stream=<id>&cancel=1`) on an abort or when the page goes away. A
  // request body must be re-sendable (a string, a Blob, FormData) for a
  // resume.
  async function stream(url, init, handlers, options) {
    options = options || {};
    var session = new Session(handlers);
    var cancelled = false;
    function cancel() {
      if (cancelled || session.result.streamId === null || session.result.done) return;
      cancelled = true;
      cancelStream(url, init, session.result.streamId);
    }
    // A page that goes away (closed tab, navigation) cancels a resumable
    // stream, as an abort does.
    var page = typeof addEventListener === "function" && typeof removeEventListener === "function";
    if (page) addEventListener("pagehide", cancel);
    try {
      await follow(session, url, init, options, cancel);
    } finally {
      if (page) removeEventListener("pagehide", cancel);
    }
    return session.result;
  }

  // The requests of one stream: the first, then a resume after each
  // dropped connection while the reconnect settings allow.
  async function follow(session, url, init, options, cancel) {
    var reconnect = reconnectOptions(options.reconnect);
    var signal = init && init.signal;
    var failures = 0;
    var target = url;
    var request = init;
    for (;;) {
      var before = session.lastId;
      var outcome = await connect(session, target, request, options);
      if (outcome === "end") return;
      if (outcome === "aborted" || (signal && signal.aborted)) {
        cancel();
        session.fail("aborted", "aborted");
        return;
      }
      if (session.lastId > before) failures = 0; // it made progress
      var streamId = session.result.streamId;
      if (!reconnect || streamId === null || failures >= reconnect.attempts) {
        var why = streamId === null || !reconnect ? "" : " (" + failures + " reconnects failed)";
        session.fail("the stream ended before the answer was complete: " + outcome + why, "interrupted");
        return;
      }
      var delay = Math.min(reconnect.maxDelay, reconnect.delay * Math.pow(2, failures));
      failures++;
      session.result.reconnects++;
      callback(session.handlers, "onReconnect", {
        attempt: failures, delay: delay, after: session.lastId, reason: outcome, stream: streamId,
      });
      await wait(delay, signal);
      if (signal && signal.aborted) {
        cancel();
        session.fail("aborted", "aborted");
        return;
      }
      target = resumeUrl(url, streamId, session.lastId);
      request = resumeInit(init, session.lastId);
    }
  }

  var api = {
    stream: stream,
    read: read,
    applyPatch: applyPatch,
    parsePointer: parsePointer,
  };
  if (typeof module === "object" && module && module.exports) module.exports = api;
  else global.ExtractRelay = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
