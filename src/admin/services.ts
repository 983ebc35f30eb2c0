import type { AdminContext } from './context.js';

/** Admin calls for services (filled in by the services work). */
export class AdminServices {
  readonly #context: AdminContext;

  constructor(context: AdminContext) {
    this.#context = context;
  }
}
