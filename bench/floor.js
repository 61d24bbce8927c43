// The floor: POST pre-built request bodies with undici at a given concurrency and do
// nothing else. What addlist adds on top of this is its own cost.
//   node bench/floor.js <origin> <path> <bodies.ndjson> <concurrency>
import { readFileSync } from "node:fs";
import { Pool } from "undici";

const [origin, path, file, concurrency] = process.argv.slice(2);
const bodies = readFileSync(file, "utf8").trimEnd().split("\n");
const pool = new Pool(origin, { connections: Number(concurrency) });
const headers = { "content-type": "application/json", authorization: "Bearer bench-key-not-a-secret" };
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const answer = await pool.request({ path, method: "POST", headers, body });
      await answer.body.text();
      if (answer.statusCode !== 200) throw new Error(`floor request answered ${answer.statusCode}`);
    }
  }),
);
process.stdout.write(`${JSON.stringify({ ms: performance.now() - started, requests: bodies.length })}\n`);
await pool.close();
