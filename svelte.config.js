import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// Separate folders let two builds run side by side (TESSERA_BUILD_DIR, TESSERA_KIT_DIR).
		adapter: adapter({ out: process.env.TESSERA_BUILD_DIR ?? 'build' }),
		outDir: process.env.TESSERA_KIT_DIR ?? '.svelte-kit',
		csrf: { trustedOrigins: [] }
	}
};

export default config;
