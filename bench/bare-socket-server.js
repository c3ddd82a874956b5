// @ts-check
// The baseline of bench/realtime.js: a bare Socket.IO server with the app's transport options,
// no authentication, no database. `join` puts a socket in a room; `message:send` acks and
// broadcasts a message of the same shape and size as the app's to the room. Prints
// `LISTENING <port>`; answers 'memory' over IPC like tests/support/realtime-server.js.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, {
	path: '/socket.io',
	serveClient: false,
	maxHttpBufferSize: 64 * 1024
});
let seq = 0;
io.on('connection', (socket) => {
	socket.on('join', (room, ack) => {
		void socket.join(`group:${room}`);
		if (typeof ack === 'function') ack({ ok: true });
	});
	socket.on('message:send', (input, ack) => {
		seq += 1;
		const message = {
			id: randomUUID(),
			channelId: input.channelId,
			groupId: input.groupId,
			seq,
			author: { id: socket.id, displayName: 'Bench Person' },
			clientId: input.clientId,
			body: input.body,
			attachment: null,
			reactions: [],
			editedAt: null,
			deletedAt: null,
			createdAt: new Date().toISOString()
		};
		if (typeof ack === 'function') ack({ ok: true, message });
		io.to(`group:${input.groupId}`).emit('message:new', message);
	});
});
process.on('message', (message) => {
	if (message !== 'memory') return;
	/** @type {{ gc?: () => void }} */ (globalThis).gc?.();
	process.send?.({ memory: process.memoryUsage() });
});
http.listen(0, '127.0.0.1', () => {
	const address = http.address();
	console.log(`LISTENING ${typeof address === 'object' && address ? address.port : ''}`);
});
process.on('SIGTERM', () => io.close(() => process.exit(0)));
