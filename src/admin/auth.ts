import type { AdminContext } from './context.js';

/** Admin calls for auth (filled in by the auth work). */
export class AdminAuth {
  readonly #context: AdminContext;

  constructor(context: AdminContext) {
    this.#context = context;
  }
}
