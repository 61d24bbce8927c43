import { amplemarket } from "./amplemarket.js";
import { emarsys } from "./emarsys.js";
import { leadlexCampaign } from "./leadlex-campaign.js";
import { leadlexList } from "./leadlex-list.js";
import type { DriverSpec, ProviderName } from "./types.js";

export const DRIVERS: readonly DriverSpec[] = [leadlexList, leadlexCampaign, emarsys, amplemarket];

/** Per provider: where it lives and which environment variables configure it. */
export interface ProviderInfo {
  readonly label: string;
  readonly baseUrlEnv: string;
  readonly defaultBaseUrl: string;
  /** Each alternative is a set of variables that must all be set. */
  readonly credentials: readonly (readonly string[])[];
}

export const PROVIDERS: Record<ProviderName, ProviderInfo> = {
  leadlex: {
    label: "LeadLex",
    baseUrlEnv: "LEADLEX_BASE_URL",
    defaultBaseUrl: "https://data.leadlex.com/functions/v1/api-gateway",
    credentials: [["LEADLEX_API_KEY"]],
  },
  emarsys: {
    label: "Emarsys",
    baseUrlEnv: "EMARSYS_BASE_URL",
    defaultBaseUrl: "https://api.emarsys.net/api/v3",
    credentials: [
      ["EMARSYS_CLIENT_ID", "EMARSYS_CLIENT_SECRET"],
      ["EMARSYS_USERNAME", "EMARSYS_SECRET"],
    ],
  },
  amplemarket: {
    label: "Amplemarket",
    baseUrlEnv: "AMPLEMARKET_BASE_URL",
    defaultBaseUrl: "https://api.amplemarket.com",
    credentials: [["AMPLEMARKET_API_KEY"]],
  },
};
