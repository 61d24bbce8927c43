import { bearerToken, type SandboxRoute } from "../../../src/sandbox/route.js";

/** The Example endpoint as the sandbox serves it; tags are kept to show the option arrived. */
export const exampleRoute: SandboxRoute = {
  name: "example-list",
  provider: "example",
  pattern: /^\/example\/lists\/([^/]+)\/members$/,
  authenticate: (request) => (bearerToken(request.headers) === undefined ? { status: 401, body: { error: "no key" } } : undefined),
  handle: (request, context) => {
    const collection = `example-list:${decodeURIComponent(request.params[0] ?? "")}`;
    const { members, tag } = request.body as { members: string[]; tag?: string };
    if (tag !== undefined) context.state.sources.set(collection, (context.state.sources.get(collection) ?? new Set()).add(tag));
    const held = context.state.membersOf(collection);
    const added: string[] = [];
    for (const member of members) {
      context.state.noteReceived(collection, member);
      if (!held.has(member)) added.push(member);
      held.add(member);
    }
    return { status: 200, body: { added } };
  },
  rateLimited: () => ({ status: 429, body: { error: "slow down" } }),
  serverError: (status, message) => ({ status, body: { error: message } }),
};
