import type { AdminContext } from './context.js';

/** Admin calls for namespaces (filled in by the namespaces work). */
export class AdminNamespaces {
  readonly #context: AdminContext;

  constructor(context: AdminContext) {
    this.#context = context;
  }
}
