/** The socket contract, shared by the server and the browser through `import type`. */
export type ReadyPayload = { userId: string; displayName: string };

export interface ServerToClientEvents {
	ready: (payload: ReadyPayload) => void;
}

export interface ClientToServerEvents {
	whoami: (ack: (payload: ReadyPayload) => void) => void;
}

export interface SocketData {
	userId: string;
	sessionId: string;
	displayName: string;
}
