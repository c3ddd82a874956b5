import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';

export { expect };
export type { APIRequestContext, Browser, Page } from '@playwright/test';
export { request } from '@playwright/test';

/** What fails a test: axe's serious and critical findings against WCAG 2.1 A and AA. */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const FAILING = new Set(['serious', 'critical']);
/** A page is scanned once it has been still this long after a navigation. */
const SETTLE_MS = 400;
/** A scan that takes longer is abandoned (the page is busy or going away), not counted. */
const SCAN_LIMIT_MS = 15_000;

type Finding = { url: string; rule: string; impact: string; help: string; targets: string[] };

/**
 * Pages already scanned in this run, by path with ids taken out and by viewport width: a page is
 * scanned the first time any test shows it at that width (scanning every visit made the longest
 * tests twice as slow on a busy machine).
 */
const scannedInRun = new Set<string>();
const ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b\d+\b/g;

function pageKey(page: Page): string {
	return `${new URL(page.url()).pathname.replace(ID, ':id')}@${page.viewportSize()?.width ?? 0}`;
}

/**
 * Scans every page a test visits with axe (full loads and SvelteKit's client-side navigations,
 * in every browser context the test opens), the first time the run shows it, and collects what
 * it finds.
 */
class AccessibilityWatch {
	findings: Finding[] = [];
	#pending = new Set<Promise<void>>();
	#timers = new Map<Page, ReturnType<typeof setTimeout>>();
	/** One scan at a time per page: axe refuses to start while it runs. */
	#queues = new Map<Page, Promise<boolean>>();

	watchContext(context: BrowserContext) {
		for (const page of context.pages()) this.watchPage(page);
		context.on('page', (page) => this.watchPage(page));
	}

	watchPage(page: Page) {
		page.on('framenavigated', (frame) => {
			if (frame === page.mainFrame()) this.#schedule(page);
		});
		page.on('close', () => clearTimeout(this.#timers.get(page)));
	}

	/** Scans the page as it is now (for a state a URL does not capture: an open dialog, a form). */
	scan(page: Page): Promise<boolean> {
		const queued = (this.#queues.get(page) ?? Promise.resolve(true)).then(() =>
			this.#scanNow(page)
		);
		this.#queues.set(page, queued);
		return queued;
	}

	/** Whether the page was scanned (not closed or gone elsewhere meanwhile). */
	async #scanNow(page: Page): Promise<boolean> {
		const url = page.url();
		if (page.isClosed() || !url.startsWith('http')) return false;
		let timer: ReturnType<typeof setTimeout> | undefined;
		try {
			const results = await Promise.race([
				new AxeBuilder({ page })
					.withTags(TAGS)
					// WCAG 2.5.3 Label in Name: still marked experimental in axe, so off unless asked.
					.options({ rules: { 'label-content-name-mismatch': { enabled: true } } })
					.analyze(),
				new Promise<never>((_, reject) => {
					timer = setTimeout(() => reject(new Error('Scan abandoned: Target busy')), SCAN_LIMIT_MS);
				})
			]);
			for (const violation of results.violations) {
				if (!FAILING.has(violation.impact ?? '')) continue;
				this.findings.push({
					url: new URL(url).pathname,
					rule: violation.id,
					impact: violation.impact ?? '',
					help: violation.help,
					targets: violation.nodes.slice(0, 5).map((node) => node.target.join(' '))
				});
			}
			return true;
		} catch (error) {
			// The page navigated or closed during the scan: the next page is scanned on its own. A
			// navigation between axe's injection and its run leaves a document without axe
			// ("reading 'runPartial'" or, in a frame, "reading 'utils'" of undefined: a fresh-clone CI
			// run failed the phone spec so).
			if (
				!/closed|destroyed|navigat|Target|already running|reading '(runPartial|finishRun|utils)'|axe is not defined/i.test(
					String(error)
				)
			) {
				throw error;
			}
			return false;
		} finally {
			clearTimeout(timer);
		}
	}

	#schedule(page: Page) {
		clearTimeout(this.#timers.get(page));
		this.#timers.set(
			page,
			setTimeout(() => {
				if (page.isClosed() || !page.url().startsWith('http')) return;
				const key = pageKey(page);
				if (scannedInRun.has(key)) return;
				scannedInRun.add(key);
				const scan = this.scan(page)
					.then((scanned) => {
						// Not scanned after all: the next visit tries again.
						if (!scanned) scannedInRun.delete(key);
					})
					.finally(() => this.#pending.delete(scan));
				this.#pending.add(scan);
			}, SETTLE_MS)
		);
	}

	async settle() {
		for (const timer of this.#timers.values()) clearTimeout(timer);
		await Promise.all(this.#pending);
	}
}

/**
 * Playwright's `test`, with an axe check of every page visited: a test fails if any page it
 * opened had a serious or critical WCAG A/AA violation (issue 14 §9).
 */
export const test = base.extend<{ accessibility: AccessibilityWatch }>({
	accessibility: [
		async ({ browser, context }, use) => {
			const watch = new AccessibilityWatch();
			watch.watchContext(context);
			const newContext = browser.newContext;
			browser.newContext = async (...args) => {
				const opened = await newContext.apply(browser, args);
				watch.watchContext(opened);
				return opened;
			};
			try {
				await use(watch);
			} finally {
				browser.newContext = newContext;
			}
			await watch.settle();
			expect(
				watch.findings,
				`axe found serious or critical problems on ${[...new Set(watch.findings.map((f) => f.url))].join(', ')}`
			).toEqual([]);
		},
		{ auto: true }
	]
});
