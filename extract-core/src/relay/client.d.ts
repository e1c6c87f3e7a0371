// TypeScript declarations for the `extract` relay's JavaScript client
// (`extract::relay::CLIENT_JS`), loaded with a <script> tag: the global
// `ExtractRelay`. `T` is the final value (`done`), `P` the partial state
// the patches build (see `extract::relay::typescript`).

declare namespace ExtractRelay {
  /** One JSON Patch operation: RFC 6902's add, remove and replace, plus
   * the `append` extension (concatenate `value` to the string at `path`). */
  type Op =
    | { op: "add"; path: string; value: unknown }
    | { op: "remove"; path: string }
    | { op: "replace"; path: string; value: unknown }
    | { op: "append"; path: string; value: string };

  /** The payload of an `error` message (and of client-side failures). */
  interface ErrorInfo<P = unknown> {
    message: string;
    /** `validation`, `http`, `truncated`, … from the server; `client`
     * (a malformed message), `network`, `interrupted`, `aborted`, `gone`
     * (a resume the server no longer knows) from the client. */
    kind: string;
    /** What had arrived before the failure. */
    partial: P | null;
  }

  /** Where the answer stands (with the server's `Relay::with_state`). */
  interface Progress {
    /** The JSON Pointer of the value being written, or null. */
    active: string | null;
    /** The values received in full, outermost only. */
    completed: Set<string>;
    /** True for a completed value and everything inside one. */
    isComplete(pointer: string): boolean;
  }

  /** What `stream` and `read` resolve to. */
  interface Result<T = unknown, P = unknown> {
    state: P;
    items: unknown[];
    value: T | undefined;
    done: boolean;
    error: ErrorInfo<P> | null;
    progress: Progress;
    /** The `x-relay-stream` of a resumable stream, else null. */
    streamId: string | null;
    /** How many times the connection was resumed. */
    reconnects: number;
  }

  /** Given to `onReconnect` before each resume. */
  interface ReconnectInfo {
    /** 1 for the first try after a drop (reset once a resume gets messages). */
    attempt: number;
    /** How long the client waits first, in ms. */
    delay: number;
    /** The id of the last message applied. */
    after: number;
    /** Why: the connection dropped, an HTTP status, … */
    reason: string;
    stream: string;
  }

  /** Declared as properties, so a handler's parameter types are checked
   * strictly. */
  interface Handlers<T = unknown, P = unknown> {
    /** After each `snapshot` or `patch`: the state (updated in place). */
    onState?: (state: P, progress: Progress) => void;
    /** Each complete list item (item streams). */
    onItem?: (item: unknown, items: unknown[]) => void;
    /** The final, validated value. */
    onDone?: (value: T, result: Result<T, P>) => void;
    /** The failure, with what arrived kept. */
    onError?: (error: ErrorInfo<P>, result: Result<T, P>) => void;
    /** The size of each network read. */
    onBytes?: (bytes: number) => void;
    /** Before each resume of a dropped connection. */
    onReconnect?: (info: ReconnectInfo) => void;
  }

  interface ReconnectOptions {
    /** Failed resumes in a row before giving up (5). */
    attempts?: number;
    /** The first wait in ms, doubled after each failure (250). */
    delay?: number;
    /** The longest wait in ms (4000). */
    maxDelay?: number;
  }

  interface Options {
    /** The wire format; by default from the Content-Type. */
    format?: "sse" | "ndjson";
    /** Resuming a dropped resumable stream; `false` turns it off. */
    reconnect?: ReconnectOptions | false;
  }

  /** fetch(url, init) and read the relay body, resuming it after a
   * dropped connection. Never rejects for a bad body or a network error:
   * they end in `onError`. */
  function stream<T = unknown, P = unknown>(
    url: string,
    init?: RequestInit,
    handlers?: Handlers<T, P>,
    options?: Options,
  ): Promise<Result<T, P>>;

  /** Reads a fetched Response (or a stream of bytes) as a relay body. */
  function read<T = unknown, P = unknown>(
    source: Response | ReadableStream<Uint8Array>,
    handlers?: Handlers<T, P>,
    options?: Options,
  ): Promise<Result<T, P>>;

  /** Applies operations to `doc` (in place where it can); returns the result. */
  function applyPatch(doc: unknown, ops: Op[]): unknown;

  /** Splits an RFC 6901 JSON Pointer into its unescaped segments. */
  function parsePointer(pointer: string): string[];
}
