import type { Action } from 'svelte/action';

const FOCUSABLE =
	'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';

/**
 * Makes a scrolling box reachable by keyboard (WCAG 2.1.1; axe's scrollable-region-focusable):
 * while its content overflows and holds nothing focusable, it takes a tab stop, and with a label
 * it is a named region, so arrow keys scroll it and a screen reader says what it is. A box that
 * fits, or whose links and buttons already take the focus, is left alone.
 */
export const scrollRegion: Action<HTMLElement, string | undefined> = (node, label) => {
	let name = label;
	const update = () => {
		const overflows = node.scrollWidth > node.clientWidth || node.scrollHeight > node.clientHeight;
		const reachable = overflows && !node.querySelector(FOCUSABLE);
		if (reachable) {
			node.tabIndex = 0;
			node.dataset.scrollFocus = 'true';
			if (name) {
				if (!node.hasAttribute('role')) node.setAttribute('role', 'region');
				if (!node.hasAttribute('aria-label')) node.setAttribute('aria-label', name);
			}
		} else if (node.dataset.scrollFocus) {
			node.removeAttribute('tabindex');
			delete node.dataset.scrollFocus;
		}
	};
	const resized = new ResizeObserver(update);
	resized.observe(node);
	const changed = new MutationObserver(update);
	changed.observe(node, { childList: true, subtree: true });
	update();
	return {
		update(next) {
			name = next;
			update();
		},
		destroy() {
			resized.disconnect();
			changed.disconnect();
		}
	};
};
