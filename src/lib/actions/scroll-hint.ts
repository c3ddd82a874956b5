import type { Action } from 'svelte/action';

/**
 * Marks a sideways-scrolling strip with where more of it hides: `data-more-start` and
 * `data-more-end` are set while content lies past the left or right edge, so CSS can fade that
 * edge. The current item (`aria-current`) is scrolled into view when the strip first shows.
 */
export const scrollHint: Action<HTMLElement> = (node) => {
	const update = () => {
		const max = node.scrollWidth - node.clientWidth;
		node.toggleAttribute('data-more-start', node.scrollLeft > 1);
		node.toggleAttribute('data-more-end', max - node.scrollLeft > 1);
	};
	const current = node.querySelector<HTMLElement>('[aria-current]');
	if (current && node.scrollWidth > node.clientWidth) {
		node.scrollLeft = Math.max(0, current.offsetLeft - node.clientWidth / 3);
	}
	const resized = new ResizeObserver(update);
	resized.observe(node);
	node.addEventListener('scroll', update, { passive: true });
	update();
	return {
		destroy() {
			resized.disconnect();
			node.removeEventListener('scroll', update);
		}
	};
};
