import { defineConfig } from '@playwright/test';

// A port per run (workers inherit it through the environment), so two runs never collide.
process.env.E2E_PORT ??= String(4100 + Math.floor(Math.random() * 800));
const PORT = Number(process.env.E2E_PORT);
const DATA_DIR = `.data/e2e-${PORT}`;
export const baseURL = `http://127.0.0.1:${PORT}`;
// The app's mail goes to a real SMTP sink (tests/e2e/mail-sink.js); tests read it over HTTP.
const SMTP_PORT = PORT + 1000;
export const mailSinkURL = `http://127.0.0.1:${PORT + 2000}`;

/** End-to-end tests drive the built production server (`node server.js`) in Debian's Chromium. */
export default defineConfig({
	testDir: 'tests/e2e',
	fullyParallel: false,
	workers: 1,
	retries: 0,
	// The longest tests drive two or three browsers through many pages, each page's first visit
	// scanned by axe: on 2 cores beside other work they took up to 60 s, and at a load of 15 the
	// thread spec's phone run took 120 s with no step stuck (each simply slower). A bound, not a wait.
	timeout: 240_000,
	// An assertion polls until its condition holds; this is only how long it may keep trying. A
	// server action that writes to 26 people took over Playwright's default 5 s in a fresh-clone CI
	// run beside three busy processes (load 15), and a step failed that would have passed.
	expect: { timeout: 20_000 },
	reporter: process.env.CI ? [['list']] : [['list']],
	use: {
		baseURL,
		trace: 'retain-on-failure',
		screenshot: 'only-on-failure',
		launchOptions: {
			executablePath: '/usr/bin/chromium',
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-background-networking',
				'--disable-component-update'
			]
		}
	},
	projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
	webServer: [
		{
			command: 'node tests/e2e/mail-sink.js',
			url: `${mailSinkURL}/healthz`,
			reuseExistingServer: false,
			gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
			timeout: 30_000,
			env: { MAIL_SINK_SMTP_PORT: String(SMTP_PORT), MAIL_SINK_HTTP_PORT: String(PORT + 2000) }
		},
		{
			// A fresh embedded Postgres with the demo seed, every run.
			command: `rm -rf ${DATA_DIR} && node server.js`,
			url: `${baseURL}/healthz`,
			reuseExistingServer: false,
			// SIGTERM lets server.js stop its embedded Postgres instead of orphaning it.
			gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
			timeout: 120_000,
			stdout: 'pipe',
			env: {
				TESSERA_DATA_DIR: DATA_DIR,
				PORT: String(PORT),
				HOST: '127.0.0.1',
				SEED_DEMO: 'true',
				SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
				// "Assign unassigned" becomes a job past 20 learners, in batches of 5 (group-sets.spec.ts).
				ASSIGN_UNASSIGNED_JOB_THRESHOLD: '20',
				ASSIGN_UNASSIGNED_BATCH: '5'
			}
		}
	]
});
