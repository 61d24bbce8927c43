import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Lock } from "../../src/state/lock.js";
import { StateFile } from "../../src/state/state-file.js";
import { tempDir, uuid } from "../helpers/files.js";

const binding = { driver: "leadlex-list", target: "l", origin: "https://data.leadlex.com", key: "" };

describe("StateFile", () => {
  it("is empty when the file does not exist yet, and written with its header on first use", async () => {
    const path = join(tempDir(), "s.state");
    const state = await StateFile.load(path);
    expect(state.known.size).toBe(0);
    const recorder = await state.openForRecording(binding, false);
    recorder.record([uuid(1), 'a "quoted" id', "two\nlines"]);
    await recorder.finish();
    const again = await StateFile.load(path);
    expect([uuid(1), 'a "quoted" id', "two\nlines"].every((identity) => again.known.has(identity))).toBe(true);
    expect(again.known.has(uuid(2))).toBe(false);
  });

  it("writes its header with the first identity: a run that confirms nothing binds the file to nothing", async () => {
    const path = join(tempDir(), "s.state");
    const recorder = await (await StateFile.load(path)).openForRecording(binding, false);
    recorder.record([]);
    await recorder.finish();
    const again = await StateFile.load(path);
    expect(() => again.checkBinding({ ...binding, target: "another" })).not.toThrow();
  });

  it("ignores a last line cut short, and refuses a file that is not a state file", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "s.state"), `# addlist state ${JSON.stringify(binding)}\n${uuid(1)}\n${uuid(2).slice(0, 10)}`);
    const state = await StateFile.load(join(dir, "s.state"));
    expect(state.known.size).toBe(1);
    writeFileSync(join(dir, "report.csv"), "row,key\n1,a\n");
    await expect(StateFile.load(join(dir, "report.csv"))).rejects.toThrow(
      /report\.csv is not an addlist state file: its first line is not an addlist state header/,
    );
  });

  it("refuses to serve another driver, target, provider or key field, naming both", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "s.state"), `# addlist state ${JSON.stringify(binding)}\n`);
    const state = await StateFile.load(join(dir, "s.state"));
    expect(() => state.checkBinding(binding)).not.toThrow();
    expect(() => state.checkBinding({ ...binding, key: "type=email" })).toThrow(
      "the state file " +
        join(dir, "s.state") +
        " belongs to `leadlex-list l` at https://data.leadlex.com, not to `leadlex-list l` at https://data.leadlex.com (type=email)",
    );
  });
});

describe("Lock", () => {
  it("is held by one run at a time and released", async () => {
    const path = join(tempDir(), "r.csv.lock");
    const lock = await Lock.acquire(path, "the report r.csv");
    await expect(Lock.acquire(path, "the report r.csv")).rejects.toThrow(
      new RegExp(`another addlist run \\(pid ${process.pid}, since .*\\) is using the report r\\.csv`),
    );
    await lock.release();
    await (await Lock.acquire(path, "the report r.csv")).release();
  });

  it("lets only one of two runs take over the same stale lock", async () => {
    const path = join(tempDir(), "r.csv.lock");
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 9, host: hostname(), started: "2026-01-01T00:00:00Z" }));
    const outcomes = await Promise.allSettled([Lock.acquire(path, "the report"), Lock.acquire(path, "the report"), Lock.acquire(path, "the report")]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.status === "rejected").map((outcome) => String((outcome as PromiseRejectedResult).reason))).toEqual([
      expect.stringMatching(new RegExp(`pid ${process.pid}`)),
      expect.stringMatching(new RegExp(`pid ${process.pid}`)),
    ]);
  });

  it("refuses at once a lock path it cannot read, such as a directory", async () => {
    const path = join(tempDir(), "r.csv.lock");
    mkdirSync(path);
    await expect(Lock.acquire(path, "the report r.csv")).rejects.toMatchObject({
      code: "lock_failed",
      message: expect.stringMatching(/^cannot lock the report r\.csv \(.*r\.csv\.lock\): /) as unknown,
    });
  });

  it("takes over a lock whose process is gone, but not one held on another host", async () => {
    const path = join(tempDir(), "r.csv.lock");
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 7, host: hostname(), started: "2026-01-01T00:00:00Z" }));
    await (await Lock.acquire(path, "the report")).release();
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 7, host: "elsewhere.example", started: "2026-01-01T00:00:00Z" }));
    await expect(Lock.acquire(path, "the report")).rejects.toThrow(/pid 4194311 on elsewhere\.example/);
  });
});
