import { getContext, setContext, tick } from 'svelte';

export type DrawerName = 'channels' | 'people';

/**
 * On a phone the channel list and the people panel are drawers over the conversation: the
 * channel header's buttons open them, focus goes into the drawer and back to its button on
 * close, Escape or a tap outside closes it. Wider screens show both beside the conversation and
 * never read this state. `enabled` is true while a conversation (which has the buttons) is shown.
 */
export class ChatDrawers {
	open = $state<DrawerName | null>(null);
	enabled = $state(false);
	#opener: HTMLElement | null = null;

	/** The drawer's element id, for `aria-controls`. */
	id(name: DrawerName) {
		return `drawer-${name}`;
	}

	async toggle(name: DrawerName, opener: HTMLElement) {
		if (this.open === name) {
			this.close();
			return;
		}
		this.#opener = opener;
		this.open = name;
		await tick();
		const drawer = document.getElementById(this.id(name));
		const first = drawer?.querySelector<HTMLElement>('[data-drawer-close]');
		(first ?? drawer)?.focus();
	}

	/** Closes the open drawer; `restore` puts focus back on the button that opened it. */
	close(restore = true) {
		if (!this.open) return;
		this.open = null;
		if (restore) this.#opener?.focus();
		this.#opener = null;
	}
}

const KEY = Symbol('chat-drawers');

export function setChatDrawers(drawers: ChatDrawers) {
	setContext(KEY, drawers);
}

export function getChatDrawers(): ChatDrawers | undefined {
	return getContext<ChatDrawers | undefined>(KEY);
}
