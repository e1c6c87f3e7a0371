// ExtractRelay: the dependency-free client of an `extract` relay body.
//
// Reads a Server-Sent Events or NDJSON body with fetch + ReadableStream,
// applies `patch` messages (RFC 6902 add/remove/replace plus the `append`
// extension for growing strings) and calls back with each state.
//
//   ExtractRelay.stream("/extract", { method: "POST", body: text }, {
//     onState(state) { render(state) },        // after each snapshot/patch
//     onItem(item, items) { addRow(item) },    // each complete list item
//     onDone(value) { render(value) },         // the final, validated value
//     onError(info) { show(info.message, info.partial) },
//     onBytes(n) { received += n },            // each network read
//   }).then(result => ...)                     // {state, items, value, done, error}
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

  // Server-Sent Events parser (the WHATWG algorithm, minus retry/reconnect).
  function SseParser(dispatch) {
    this.lines = new LineSplitter();
    this.event = "";
    this.data = [];
    this.dispatch = dispatch;
  }
  SseParser.prototype.push = function (text, end) {
    var lines = this.lines.push(text, end);
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (line === "") {
        if (this.data.length > 0) this.dispatch(this.event || "message", this.data.join("\n"));
        this.event = "";
        this.data = [];
        continue;
      }
      if (line[0] === ":") continue;
      var colon = line.indexOf(":");
      var field = colon < 0 ? line : line.slice(0, colon);
      var value = colon < 0 ? "" : line.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "event") this.event = value;
      else if (field === "data") this.data.push(value);
    }
  };

  function NdjsonParser(dispatch) {
    this.lines = new LineSplitter();
    this.dispatch = dispatch;
  }
  NdjsonParser.prototype.push = function (text, end) {
    var lines = this.lines.push(text, end);
    for (var i = 0; i < lines.length; i++) {
      if (lines[i].trim() === "") continue;
      var message = JSON.parse(lines[i]);
      this.dispatch(message.event, message.data, true);
    }
  };

  function callback(handlers, name, a, b) {
    if (handlers && typeof handlers[name] === "function") handlers[name](a, b);
  }

  // Follows the messages of one body: the state, the items, the end.
  function Session(handlers) {
    this.handlers = handlers || {};
    this.result = { state: {}, items: [], value: undefined, done: false, error: null };
  }
  Session.prototype.message = function (name, data, parsed) {
    var result = this.result;
    if (result.done || result.error) return;
    var payload = parsed ? data : JSON.parse(data);
    switch (name) {
      case "snapshot":
        result.state = payload;
        callback(this.handlers, "onState", result.state, name);
        break;
      case "patch":
        result.state = applyPatch(result.state, payload);
        callback(this.handlers, "onState", result.state, name);
        break;
      case "item":
        result.items.push(payload);
        callback(this.handlers, "onItem", payload, result.items);
        break;
      case "done":
        result.done = true;
        result.value = payload;
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
    if (this.result.done || this.result.error) return;
    this.message("error", { message: message, kind: kind, partial: this.result.state }, true);
  };

  function isNdjson(contentType) {
    return /ndjson|jsonl|json-seq/i.test(contentType || "");
  }

  // Reads a fetch Response (or any ReadableStream of bytes, with
  // options.format "sse" or "ndjson"); resolves to the result
  // {state, items, value, done, error}. Never rejects for a bad body: a
  // malformed message or a dropped connection ends with onError.
  async function read(source, handlers, options) {
    options = options || {};
    var session = new Session(handlers);
    var body = source && source.body !== undefined ? source.body : source;
    var contentType = source && source.headers ? source.headers.get("content-type") : "";
    var ndjson = options.format ? options.format === "ndjson" : isNdjson(contentType);
    var dispatch = function (name, data, parsed) { session.message(name, data, parsed); };
    var parser = ndjson ? new NdjsonParser(dispatch) : new SseParser(dispatch);
    if (!body || typeof body.getReader !== "function") {
      session.fail("the response has no readable body", "client");
      return session.result;
    }
    var reader = body.getReader();
    var decoder = new TextDecoder("utf-8");
    try {
      for (;;) {
        var chunk = await reader.read();
        if (chunk.done) {
          parser.push(decoder.decode(), true);
          break;
        }
        callback(handlers, "onBytes", chunk.value.byteLength);
        parser.push(decoder.decode(chunk.value, { stream: true }), false);
        if (session.result.done || session.result.error) break;
      }
    } catch (e) {
      var aborted = e && e.name === "AbortError";
      session.fail(aborted ? "aborted" : String(e && e.message ? e.message : e), aborted ? "aborted" : "client");
    }
    // Stop the body (a malformed message, or trailing bytes after the
    // end): the server then drops the request upstream.
    try { await reader.cancel(); } catch (e) { /* already closed */ }
    if (!session.result.done && !session.result.error) {
      session.fail("the stream ended before the answer was complete", "interrupted");
    }
    return session.result;
  }

  // fetch(url, init) and read the body. init.signal (an AbortSignal)
  // cancels the request, and the server then drops the upstream request.
  async function stream(url, init, handlers, options) {
    var session;
    var response;
    try {
      response = await fetch(url, init);
    } catch (e) {
      session = new Session(handlers);
      session.fail(String(e && e.message ? e.message : e), e && e.name === "AbortError" ? "aborted" : "network");
      return session.result;
    }
    if (!response.ok) {
      session = new Session(handlers);
      var text = "";
      try { text = await response.text(); } catch (e) { /* body unreadable */ }
      session.fail("HTTP " + response.status + (text ? ": " + text : ""), "http");
      return session.result;
    }
    return read(response, handlers, options);
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
