import type { CredentialScheme } from "../drivers/types.js";

/** An API key in one environment variable, sent as `Authorization: Bearer …`. */
export function bearerCredentials(variable: string): CredentialScheme {
  return {
    variables: [variable],
    create: (values, { redactor }) => {
      const token = values[variable] ?? "";
      redactor.add(token);
      const headers = { authorization: `Bearer ${token}` };
      return { headers: async () => headers };
    },
  };
}
