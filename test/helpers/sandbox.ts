import { afterEach } from "vitest";
import { type RunningSandbox, type SandboxOptions, startSandbox } from "../../src/sandbox/server.js";

const running: RunningSandbox[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((sandbox) => sandbox.close()));
});

/** A sandbox on a real loopback port, closed after the test. */
export async function sandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const started = await startSandbox(options);
  running.push(started);
  return started;
}

/** Obviously fake credentials. */
export const FAKE_KEY = "test-key-not-a-secret";

export function leadlexEnv(box: RunningSandbox, key = FAKE_KEY): Record<string, string> {
  return { LEADLEX_API_KEY: key, LEADLEX_BASE_URL: box.baseUrl("leadlex") };
}
