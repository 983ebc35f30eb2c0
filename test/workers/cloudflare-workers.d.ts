// The one export of workerd's built-in module the workers tests use (the full types come with
// @cloudflare/workers-types, which would clash with DOM's in the shared test tsconfig).
declare module 'cloudflare:workers' {
  export const env: Record<string, unknown>;
}
