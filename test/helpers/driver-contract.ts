import { describe, expect, it } from "vitest";
import type { AcceptedRow, Driver, DriverSpec, RowCheck, SentRow } from "../../src/drivers/types.js";
import type { HttpAnswer } from "../../src/http/answer.js";
import { answerAction } from "../../src/http/retry-policy.js";
import { answer } from "./answers.js";

/** An input row as a driver sees it: its key and its values. */
export interface RowInput {
  key: unknown;
  values?: Record<string, unknown>;
}

export interface ContractCase {
  spec: DriverSpec;
  driver: Driver;
  /** A row that the driver accepts, by number (distinct identities). */
  goodRow(i: number): RowInput;
  /** A row the driver refuses locally. */
  badRow: RowInput;
  /** A success answer for the given rows where the provider confirms all were added. */
  allAdded(rows: readonly SentRow[]): HttpAnswer;
  /** The provider's answer for an unknown target. */
  notFound: HttpAnswer;
  /** The provider's answer for bad credentials. */
  unauthorized: HttpAnswer;
}

/** What every driver must do, whatever its provider: run from each driver's test file. */
export function driverContract(make: () => ContractCase): void {
  describe(`${make().spec.name} driver contract`, () => {
    const sent = (c: ContractCase, n: number): AcceptedRow[] =>
      acceptedRows(
        c.driver,
        Array.from({ length: n }, (_, i) => c.goodRow(i)),
      );

    it("accepts good rows with distinct identities and refuses bad ones with a code", () => {
      const c = make();
      const rows = sent(c, 3);
      expect(new Set(rows.map((row) => row.identity)).size).toBe(3);
      const bad = checkRow(c.driver, c.badRow.key, c.badRow.values);
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.code).toMatch(/^[a-z_]+$/);
      const empty = checkRow(c.driver, undefined);
      expect(empty.ok).toBe(false);
    });

    it("builds a JSON body holding every row, below its byte ceiling, on a path naming the target", () => {
      const c = make();
      const rows = sent(c, 5);
      const { path, body } = c.driver.request(rows);
      expect(path.startsWith("/")).toBe(true);
      expect(() => JSON.parse(body) as unknown).not.toThrow();
      for (const row of rows) expect(body).toContain(row.item);
      expect(rows.every((row) => row.item.length > 0)).toBe(true);
      expect(Buffer.byteLength(body)).toBeLessThan(c.driver.maxBatchBytes);
    });

    it("settles rows as added only when the provider confirms it", () => {
      const c = make();
      const rows = sent(c, 4);
      const verdict = c.driver.interpret(c.allAdded(rows), rows);
      expect(verdict).toMatchObject({ kind: "settled", outcomes: rows.map(() => expect.objectContaining({ status: "added" })) });
    });

    it.each([
      ["a body that is not JSON", answer(200, "<html>OK</html>")],
      ["JSON of another shape", answer(200, { ok: true })],
      ["an empty body", answer(200, "")],
    ])("fails the batch on %s, never assuming it was added", (_, reply) => {
      const c = make();
      const rows = sent(c, 2);
      const verdict = c.driver.interpret(reply, rows);
      expect(verdict.kind).toBe("fail");
    });

    it("names the provider's code for answers that refuse the run (the pipeline stops the run on those)", () => {
      const c = make();
      for (const refusal of [c.unauthorized, c.notFound]) {
        // A refusal in an envelope the pipeline cannot tell (an unknown Emarsys list is a 400) is the driver's to stop on.
        if (answerAction(refusal.status) === "read") expect(c.driver.interpret(refusal, sent(c, 1)).kind).toBe("stop");
        else expect(answerAction(refusal.status)).toBe("refuse_run");
        expect(c.driver.describeError(refusal).code).not.toMatch(/^http_/);
      }
    });

    it("describes error answers with a code and a message, also when they are not JSON", () => {
      const c = make();
      expect(c.driver.describeError(c.notFound)).toEqual({ code: expect.any(String), message: expect.any(String) });
      expect(c.driver.describeError(answer(502, "<html><h1>502 Bad Gateway</h1></html>"))).toEqual({ code: "http_502", message: "HTTP 502: 502 Bad Gateway" });
      const page = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>";
      expect(c.driver.describeError(answer(502, page))).toEqual({ code: "http_502", message: "HTTP 502: 502 Bad Gateway" });
    });
  });
}

/** Checks a row given as a key and its values, the way the pipeline hands rows to a driver. */
export function checkRow(driver: Driver, key: unknown, values: Record<string, unknown> = {}): RowCheck {
  return driver.check({ row: 1, value: values }, { keyColumn: "key", key: () => key, values: () => values });
}

/** Rows the driver accepts, ready to send; a refused row fails the test. */
export function acceptedRows(driver: Driver, rows: readonly RowInput[]): AcceptedRow[] {
  return rows.map((row) => {
    const check = checkRow(driver, row.key, row.values);
    if (!check.ok) throw new Error(`${JSON.stringify(row.key)} was refused: ${check.message}`);
    return check;
  });
}

/** Rows given by their keys alone. */
export function byKey(...keys: unknown[]): RowInput[] {
  return keys.map((key) => ({ key }));
}
