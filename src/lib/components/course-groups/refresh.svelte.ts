import { invalidateAll } from '$app/navigation';

/**
 * Reloads the page's data every few seconds while the tab is visible, so counts and places left
 * follow other people's sign-ups without a reload. Pauses while a form is being submitted.
 */
export class LiveRefresh {
	/** When the data was last loaded in this browser (ms since the epoch); null before it starts. */
	lastRefreshed = $state<number | null>(null);
	paused = $state(false);
	#timer: ReturnType<typeof setInterval> | undefined;
	#running = false;

	constructor(private readonly everyMs = 5000) {}

	start() {
		this.stop();
		this.lastRefreshed = Date.now();
		this.#timer = setInterval(() => void this.refresh(), this.everyMs);
		return () => this.stop();
	}

	stop() {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = undefined;
	}

	async refresh() {
		if (this.paused || this.#running || document.visibilityState !== 'visible') return;
		this.#running = true;
		try {
			await invalidateAll();
			this.lastRefreshed = Date.now();
		} finally {
			this.#running = false;
		}
	}
}
