/** See bundle-size.mjs. */
export function loadedSize(
  code: string,
  options?: { platform?: 'neutral' | 'node' | 'browser'; resolveDir?: string; alias?: Record<string, string>; external?: string[] },
): Promise<{ code: string; minBytes: number; gzipBytes: number; files: number }>;
export function singleFileSize(
  code: string,
  options?: { resolveDir?: string; alias?: Record<string, string>; external?: string[] },
): Promise<{ code: string; minBytes: number; gzipBytes: number }>;
export function contributors(
  code: string,
  options?: { resolveDir?: string; alias?: Record<string, string>; external?: string[] },
): Promise<{ module: string; minBytes: number }[]>;
