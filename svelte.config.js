import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// Separate folders let two builds run side by side (TESSERA_BUILD_DIR, TESSERA_KIT_DIR).
		adapter: adapter({ out: process.env.TESSERA_BUILD_DIR ?? 'build' }),
		outDir: process.env.TESSERA_KIT_DIR ?? '.svelte-kit',
		// Every write's origin is checked by the app itself, forms included
		// (src/lib/server/http/origin.ts). SvelteKit's check would also refuse a mail program's
		// one-click unsubscribe (RFC 8058), a form POST that carries no Origin header.
		csrf: { trustedOrigins: ['*'] }
	}
};

export default config;
