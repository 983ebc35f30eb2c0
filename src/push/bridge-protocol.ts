// The bridge's wire protocol, shared by the bridge (src/bridge) and its client (src/grpc-web): gRPC-web over plain
// HTTP/1.1 or HTTP/2 POSTs, messages in Nacos's own `Payload` envelope (src/push/wire.ts), so one codec serves both
// sides and the gRPC adapter.
//
//   POST {base}/nacos.edge.Bridge/Watch     server-streaming: SessionStarted {session}, then ConfigChanged {dataId,
//                                           group, tenant}, ServicePushed {serviceInfo}, Reconnected {}, Ping {} (every
//                                           15 s), each a message frame; ends with a trailers frame.
//   POST {base}/nacos.edge.Bridge/Request   unary: ConfigListen {entries: [{dataId, group, tenant, md5}]} → {changed:
//                                           [{dataId, group, tenant}]}; ConfigUnlisten {keys}; ServiceSubscribe
//                                           {serviceName, groupName} → {serviceInfo}; ServiceUnsubscribe; the session in
//                                           the payload's headers.
//
// Both take `authorization: Bearer <the bridge's token>` and `content-type: application/grpc-web+proto`; a failure is
// a trailers frame (and the same `grpc-status`/`grpc-message` headers when nothing else was sent).

export const WATCH_PATH = '/nacos.edge.Bridge/Watch';
export const REQUEST_PATH = '/nacos.edge.Bridge/Request';
export const CONTENT_TYPE = 'application/grpc-web+proto';
/** How often the bridge writes to an idle watch stream, so that proxies keep it and a gone client is noticed. */
export const PING_MS = 15_000;

/** gRPC status codes the bridge answers with. */
export const STATUS = { OK: 0, CANCELLED: 1, INVALID_ARGUMENT: 3, NOT_FOUND: 5, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

/** gRPC-web trailers: `grpc-status` and a percent-encoded `grpc-message`, as a trailers frame's text. */
export function trailerText(status: number, message = ''): string {
  return `grpc-status: ${status}\r\n${message ? `grpc-message: ${encodeURIComponent(message)}\r\n` : ''}`;
}

/** Reads a trailers frame's text: its status and message. */
export function parseTrailers(text: string): { status: number; message: string } {
  const status = /(?:^|\r\n)grpc-status:\s*(\d+)/i.exec(text)?.[1];
  const message = /(?:^|\r\n)grpc-message:\s*([^\r\n]*)/i.exec(text)?.[1] ?? '';
  let decoded = message;
  try {
    decoded = decodeURIComponent(message);
  } catch {
    // A message that is not percent-encoded is shown as it came.
  }
  return { status: status === undefined ? STATUS.UNAVAILABLE : Number(status), message: decoded };
}
