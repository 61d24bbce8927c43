import { UsageError } from "../errors.js";
import { startSandbox } from "./server.js";

/** `addlist sandbox`: serves until SIGINT/SIGTERM. */
export async function serveSandbox(options: Record<string, string | boolean | undefined>): Promise<number> {
  const port = Number(options.port ?? 4010);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number; got ${JSON.stringify(options.port)}`, "bad_option");
  const listCap = Number(options.listCap ?? 60_000);
  if (!Number.isInteger(listCap) || listCap < 0) throw new UsageError(`--list-cap must be a whole number; got ${JSON.stringify(options.listCap)}`, "bad_option");
  const sandbox = await startSandbox({ port, listCap }).catch((error: unknown) => {
    throw new UsageError(`cannot listen on 127.0.0.1:${port}: ${error instanceof Error ? error.message : String(error)}`, "sandbox_listen");
  });
  process.stdout.write(
    [
      `addlist sandbox listening on ${sandbox.origin}`,
      `  LEADLEX_BASE_URL=${sandbox.baseUrl("leadlex")}`,
      `  EMARSYS_BASE_URL=${sandbox.baseUrl("emarsys")}  (WSSE: ${sandbox.origin}/emarsys/api/v2)`,
      `  EMARSYS_TOKEN_URL=${sandbox.tokenUrl}`,
      `  AMPLEMARKET_BASE_URL=${sandbox.baseUrl("amplemarket")}`,
      `  stats: ${sandbox.origin}/_sandbox/stats`,
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await sandbox.close();
  return 0;
}
