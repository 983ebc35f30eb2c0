import type { AdminContext } from './context.js';

/** Admin calls for instances (filled in by the instances work). */
export class AdminInstances {
  readonly #context: AdminContext;

  constructor(context: AdminContext) {
    this.#context = context;
  }
}
