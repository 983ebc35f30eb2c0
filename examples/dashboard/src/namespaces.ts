import { namespaces } from './api.js';
import { Store, useStore } from './state.js';
import { useLoad } from './ui.js';

/** Bumped after a namespace is created, edited or deleted: every list of namespaces reloads. */
export const namespacesVersion = new Store(0);

/** The namespace list the header's switcher and the namespaces screen share. */
export function useNamespaces() {
  const version = useStore(namespacesVersion);
  return useLoad((signal) => namespaces.list({ signal }), [version]);
}
