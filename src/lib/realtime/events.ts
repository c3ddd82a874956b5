/** The socket contract, shared by the server and the browser through `import type`. */
export type ReadyPayload = { userId: string; displayName: string };

/** Completions or activities changed in these courses: dashboards showing them reload. */
export type ProgressChangedPayload = { courseIds: string[] };

export interface ServerToClientEvents {
	ready: (payload: ReadyPayload) => void;
	'progress:changed': (payload: ProgressChangedPayload) => void;
}

export interface ClientToServerEvents {
	whoami: (ack: (payload: ReadyPayload) => void) => void;
}

export interface SocketData {
	userId: string;
	sessionId: string;
	displayName: string;
}
