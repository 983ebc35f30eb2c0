import { NacosError } from '../errors.js';
import { errorForStatus, notNacos, type NacosResponse } from './classify.js';

/** The JSON envelope of v2/v3 answers: `{ code, message, data }`. */
export interface Envelope {
  code: number;
  message?: string;
  data?: unknown;
}

/** Parses a 200 answer's envelope; a non-200 answer or a body that is not an envelope throws. */
export function parseEnvelope(res: NacosResponse, what: string): Envelope {
  if (res.status !== 200) throw errorForStatus(res, what);
  try {
    const parsed = JSON.parse(res.body) as Envelope;
    if (typeof parsed?.code === 'number') return parsed;
  } catch {
    // not JSON: reported below
  }
  throw notNacos(res, what);
}

/** The error for an envelope whose code is not success. */
export function envelopeError(res: NacosResponse, envelope: Envelope, what: string): NacosError {
  const detail = typeof envelope.data === 'string' ? ` ${envelope.data}` : '';
  return new NacosError('SERVER', `${what}: server code ${envelope.code}: ${envelope.message ?? ''}${detail}`, { status: res.status, server: res.server.origin });
}
