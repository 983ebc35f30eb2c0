import type { AdminContext } from './context.js';

/** Admin calls for cluster (filled in by the cluster work). */
export class AdminCluster {
  readonly #context: AdminContext;

  constructor(context: AdminContext) {
    this.#context = context;
  }
}
