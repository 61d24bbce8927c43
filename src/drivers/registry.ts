import { amplemarket } from "./amplemarket.js";
import { emarsys } from "./emarsys.js";
import { leadlexCampaign } from "./leadlex-campaign.js";
import { leadlexList } from "./leadlex-list.js";
import type { DriverSpec, ProviderSpec } from "./types.js";

/** Every driver, one line each: the command line, `addlist drivers`, config and the sandbox are derived from this list. */
export const DRIVERS: readonly DriverSpec[] = [leadlexList, leadlexCampaign, emarsys, amplemarket];

/** The providers behind the drivers, each once, in the drivers' order. */
export function providersOf(drivers: readonly DriverSpec[]): ProviderSpec[] {
  return [...new Set(drivers.map((driver) => driver.provider))];
}

/** Each alternative set of credential variables, e.g. `EMARSYS_CLIENT_ID + EMARSYS_CLIENT_SECRET`. */
export function credentialSets(provider: ProviderSpec): string[] {
  return provider.credentials.map((scheme) => scheme.variables.join(" + "));
}
