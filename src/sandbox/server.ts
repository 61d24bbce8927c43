import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DRIVERS, providersOf } from "../drivers/registry.js";
import type { DriverSpec } from "../drivers/types.js";
import { parseJson } from "../json.js";
import { type FaultKind, type FaultOptions, FaultPlan, seededRandom } from "./faults.js";
import { type Admission, type RateLimitOptions, RateLimiter, type RateLimitStyle } from "./rate-limit.js";
import type { RouteContext, SandboxAnswer, SandboxRequest, SandboxRoute } from "./route.js";
import { SandboxState } from "./state.js";

export interface SandboxOptions {
  /** The drivers whose endpoints it serves (default: every registered driver). */
  drivers?: readonly DriverSpec[];
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Every answer is sent this long after its request arrived (processing included). */
  latencyMs?: number;
  /** A random extra delay of up to this long per answer (seeded by `seed`), so answers overtake each other. */
  latencyJitterMs?: number;
  /** Seeds the jitter (faults have their own seed). */
  seed?: number;
  /** Amplemarket's leads-per-list cap. */
  listCap?: number;
  /** Lifetime of Emarsys OAuth2 tokens (default one hour). */
  tokenTtlSeconds?: number;
  faults?: FaultOptions;
  /** Where the `redirect` fault points (another origin; default one that never resolves). */
  redirectTo?: string;
  /** Limits per provider; `style` defaults to each provider's own way of telling. */
  rateLimit?: Omit<RateLimitOptions, "style"> & { style?: RateLimitStyle | undefined };
  /**
   * How far the server's clock is ahead of the real one (negative: behind): its limiter
   * counts on it, and its Date headers, epoch resets and Retry-After dates show it.
   */
  clockSkewMs?: number;
}

export interface RunningSandbox {
  readonly origin: string;
  readonly state: SandboxState;
  /** The base URL a driver of this provider (by name) should use. */
  baseUrl(provider: string): string;
  /** The environment that points every provider's drivers here, with obviously fake credentials. */
  env(): Record<string, string>;
  /** The Emarsys OAuth2 token endpoint. */
  readonly tokenUrl: string;
  /** Starts a new day for the daily quotas, as midnight UTC would. */
  newDay(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

interface Misbehaviour {
  /** One limiter per provider: its endpoints share its limits. */
  limiters: Map<string, RateLimiter>;
  faults: FaultPlan | undefined;
  /** Answers held back on purpose ("hang"), ended when the sandbox closes. */
  hanging: Set<ServerResponse>;
  /** How long the next answer waits after its request arrived. */
  delayMs(): number;
}

/**
 * The provider sandbox: every endpoint the drivers call, served on loopback with the
 * providers' documented behaviour, so a data load can be rehearsed without an account.
 * `GET /_sandbox/stats` and `GET /_sandbox/received/<collection>` show what it holds.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const state = new SandboxState();
  const context: RouteContext = { state, listCap: options.listCap ?? 60_000, tokenTtlSeconds: options.tokenTtlSeconds ?? 3600 };
  const drivers = options.drivers ?? DRIVERS;
  const providers = providersOf(drivers);
  // Each driver brings its endpoint; each provider the routes it shares (a token endpoint).
  const routes = [...drivers.flatMap((driver) => driver.sandbox), ...providers.flatMap((provider) => provider.sandbox.routes ?? [])];
  const limiter = (style: RateLimitStyle): RateLimiter => new RateLimiter({ ...options.rateLimit, style: options.rateLimit?.style ?? style });
  const misbehaviour: Misbehaviour = {
    limiters: new Map(providers.map((provider) => [provider.name, limiter(provider.sandbox.limitStyle)])),
    faults: options.faults === undefined ? undefined : new FaultPlan(options.faults),
    hanging: new Set(),
    delayMs: answerDelay(options),
  };
  const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
    serve(request, response, routes, context, options, misbehaviour).catch((error: unknown) => {
      if (!response.headersSent) send(response, { status: 500, body: { error: String(error) } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    state,
    baseUrl: (name) => origin + (providers.find((provider) => provider.name === name)?.sandbox.prefix ?? `/${name}`),
    env: () => Object.assign({}, ...providers.map((provider) => provider.sandbox.env(origin))) as Record<string, string>,
    tokenUrl: `${origin}/emarsys/oauth2/token`,
    newDay: () => {
      for (const each of misbehaviour.limiters.values()) each.newDay();
    },
    close: () =>
      new Promise((resolve) => {
        for (const response of misbehaviour.hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  routes: readonly SandboxRoute[],
  context: RouteContext,
  options: SandboxOptions,
  misbehaviour: Misbehaviour,
): Promise<void> {
  const arrived = Date.now();
  const path = (request.url ?? "/").split("?")[0] ?? "/";
  if (serveAdmin(request, response, path, context, misbehaviour)) return;
  const match = findRoute(routes, path);
  if (match === undefined || request.method !== "POST") return send(response, { status: 404, body: { error: "no such endpoint in the addlist sandbox" } });
  context.state.noteArrival(arrived);
  const rawBody = await readBody(request);
  if (rawBody === undefined) return send(response, { status: 413, body: { error: "request body too large" } });
  const { route } = match;
  const skewMs = options.clockSkewMs ?? 0;
  const admission = route.rateLimited === undefined ? UNLIMITED : (misbehaviour.limiters.get(route.provider)?.admit(Date.now() + skewMs) ?? UNLIMITED);
  const answer = (reply: SandboxAnswer): void => {
    context.state.noteAnswer(reply.status);
    // A skewed clock shows in the Date header, stamped when the answer leaves, as a server's is.
    const date = (): Record<string, string> => (skewMs === 0 ? {} : { date: new Date(Date.now() + skewMs).toUTCString() });
    const reply_ = (): void => {
      send(response, { ...reply, headers: { ...reply.headers, ...admission.headers, ...date() } });
      context.state.noteAnswerSent(Date.now());
    };
    const wait = arrived + misbehaviour.delayMs() - Date.now();
    if (wait > 0) setTimeout(reply_, wait);
    else reply_();
  };
  if (admission.refused && route.rateLimited !== undefined) return answer(route.rateLimited());
  const fault = misbehaviour.faults?.next();
  if (fault !== undefined) context.state.noteFault(fault);
  if (fault !== undefined && answerFault(fault, { request, response, route, answer, options, misbehaviour, context })) return;
  const sandboxRequest: SandboxRequest = { params: match.params, body: parseJson(rawBody), rawBody, headers: request.headers };
  const reply = route.authenticate(sandboxRequest, context) ?? route.handle(sandboxRequest, context);
  // Applied, but the answer never arrives: the client cannot know it worked.
  if (fault === "reset-after") return void setTimeout(() => request.socket.destroy(), Math.max(0, arrived + misbehaviour.delayMs() - Date.now()));
  answer(fault === "overcount" ? { ...reply, body: overcount(reply.body) } : reply);
}

const UNLIMITED: Admission = { refused: false, headers: {} };

/** `GET /_sandbox/stats`, `GET /_sandbox/received/<collection>`, `POST /_sandbox/new-day`; false for any other request. */
function serveAdmin(request: IncomingMessage, response: ServerResponse, path: string, context: RouteContext, misbehaviour: Misbehaviour): boolean {
  if (request.method === "GET" && path === "/_sandbox/stats") {
    send(response, { status: 200, body: context.state.stats() });
    return true;
  }
  if (request.method === "POST" && path === "/_sandbox/new-day") {
    for (const limiter of misbehaviour.limiters.values()) limiter.newDay();
    send(response, { status: 200, body: { ok: true } });
    return true;
  }
  const received = /^\/_sandbox\/received\/(.+)$/.exec(path);
  if (request.method !== "GET" || received === null) return false;
  send(response, { status: 200, body: context.state.receivedCounts(decodeURIComponent(received[1] ?? "")) });
  return true;
}

interface FaultScene {
  request: IncomingMessage;
  response: ServerResponse;
  route: SandboxRoute;
  answer(reply: SandboxAnswer): void;
  options: SandboxOptions;
  misbehaviour: Misbehaviour;
  context: RouteContext;
}

/** Plays an injected fault that replaces the endpoint's own answer; false for faults that need it (reset-after, overcount). */
function answerFault(fault: FaultKind, { request, response, route, answer, options, misbehaviour, context }: FaultScene): boolean {
  switch (fault) {
    case "reset-before":
      request.socket.destroy();
      return true;
    case "hang":
      misbehaviour.hanging.add(response);
      response.on("close", () => misbehaviour.hanging.delete(response));
      return true;
    case "500":
      answer(route.serverError(500, "Something went wrong."));
      return true;
    case "502":
      answer({
        status: 502,
        body: "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        headers: { "content-type": "text/html" },
      });
      return true;
    case "503":
      answer({ ...route.serverError(503, "Service temporarily unavailable"), headers: { "retry-after": "1" } });
      return true;
    case "not-json":
      answer({ status: 200, body: "<html><body>OK</body></html>", headers: { "content-type": "text/html" } });
      return true;
    case "wrong-shape":
      answer({ status: 200, body: { ok: true } });
      return true;
    case "redirect":
      answer({ status: 307, body: {}, headers: { location: options.redirectTo ?? "https://elsewhere.invalid/api" } });
      return true;
    case "huge-body":
    case "slow-body":
      context.state.noteAnswer(200);
      streamForever(response, fault === "huge-body" ? HUGE_BODY_BYTES : 1024, fault === "huge-body" ? 0 : 1000);
      return true;
    default:
      return false;
  }
}

function answerDelay(options: SandboxOptions): () => number {
  const jitter = options.latencyJitterMs ?? 0;
  const random = seededRandom(options.seed ?? 1);
  return () => (options.latencyMs ?? 0) + (jitter > 0 ? Math.floor(random() * jitter) : 0);
}
const HUGE_BODY_BYTES = 1024 * 1024 * 1024;
const COUNT_FIELDS = new Set(["added", "inserted_contacts", "total_added_to_lead_list"]);

/** The answer with every count of added rows raised beyond what the request held. */
function overcount(body: unknown): unknown {
  if (Array.isArray(body) || typeof body !== "object" || body === null) return body;
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => [
      key,
      COUNT_FIELDS.has(key) ? (typeof value === "string" ? String(Number(value) + 1000) : Number(value) + 1000) : overcount(value),
    ]),
  );
}

/** A 200 whose JSON body never ends: `total` bytes, a piece every `everyMs` (0: as fast as the client reads). */
function streamForever(response: ServerResponse, total: number, everyMs: number): void {
  response.writeHead(200, { "content-type": "application/json" });
  const piece = Buffer.alloc(everyMs > 0 ? 1 : 64 * 1024, 0x20);
  let sent = 0;
  const next = (): void => {
    while (!response.destroyed && sent < total) {
      sent += piece.length;
      if (everyMs > 0) {
        response.write(piece);
        setTimeout(next, everyMs).unref();
        return;
      }
      if (!response.write(piece)) return void response.once("drain", next);
    }
    if (!response.destroyed) response.end();
  };
  next();
}

function findRoute(routes: readonly SandboxRoute[], path: string): { route: SandboxRoute; params: string[] } | undefined {
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (match !== null) return { route, params: match.slice(1) };
  }
  return undefined;
}

/** The body as text, or undefined when it is larger than a provider would take (it is still drained). */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString("utf8");
}

function send(response: ServerResponse, answer: SandboxAnswer): void {
  const body = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...answer.headers,
  });
  response.end(body);
}
