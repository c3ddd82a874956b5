import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/** Publishes Vite's HTTP server so the app attaches its Socket.IO server to it (see hooks). */
function socketServer(): Plugin {
	return {
		name: 'tessera-socket-server',
		configureServer(server) {
			(globalThis as Record<symbol, unknown>)[Symbol.for('tessera.httpServer')] = server.httpServer;
			server.httpServer?.once('listening', () => {
				server
					.ssrLoadModule('/src/lib/server/realtime/server.ts')
					.then((mod) => mod.attachSocketServer(server.httpServer))
					.catch((error) => console.error('Socket server failed to attach', error));
			});
		},
		configurePreviewServer(server) {
			(globalThis as Record<symbol, unknown>)[Symbol.for('tessera.httpServer')] = server.httpServer;
		}
	};
}

export default defineConfig({
	plugins: [tailwindcss(), sveltekit(), socketServer()],
	server: { host: '127.0.0.1', port: 5173, strictPort: false },
	test: {
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					include: ['src/**/*.test.ts'],
					environment: 'node'
				}
			},
			{
				extends: true,
				test: {
					name: 'integration',
					include: ['tests/integration/**/*.test.ts'],
					globalSetup: ['tests/integration/global-setup.ts'],
					setupFiles: ['tests/integration/worker-setup.ts'],
					testTimeout: 30_000,
					hookTimeout: 60_000
				}
			}
		]
	}
});
