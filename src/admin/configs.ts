import type { AdminContext } from './context.js';

/** Admin calls for configs (filled in by the configs work). */
export class AdminConfigs {
  readonly #context: AdminContext;

  constructor(context: AdminContext) {
    this.#context = context;
  }
}
