import { expect, test, type Page } from './fixtures';
import { signIn } from './sign-in';

// Issue 14 §9: the group tree is an ARIA tree a keyboard drives alone (WAI-ARIA APG tree view).
const ADMIN = { email: 'olivia.grant@northfield.test', password: 'demo-pass-2026' };

/** The element that has the focus, as a screen reader would name it: role, level, expanded. */
function focused(page: Page) {
	return page.evaluate(() => {
		const element = document.activeElement as HTMLElement;
		return {
			role: element.getAttribute('role'),
			name: element.querySelector('[data-tree-link]')?.textContent?.trim() ?? null,
			level: element.getAttribute('aria-level'),
			setsize: element.getAttribute('aria-setsize'),
			posinset: element.getAttribute('aria-posinset'),
			expanded: element.getAttribute('aria-expanded')
		};
	});
}

test('the group tree is driven by keyboard alone', async ({ page }) => {
	const stamp = Date.now().toString(36);
	await signIn(page, ADMIN);
	const organisations = await (await page.request.get('/api/v1/organisations')).json();
	const organisationId = (organisations.items ?? organisations).find(
		(organisation: { slug: string }) => organisation.slug === 'northfield'
	).id;
	const make = async (name: string, parentId?: string) => {
		const response = await page.request.post('/api/v1/groups', {
			data: parentId ? { parentId, name } : { organisationId, name, kind: 'cohort' }
		});
		expect(response.status(), await response.text()).toBe(201);
		return (await response.json()).id as string;
	};
	const top = await make(`Intake ${stamp}`);
	const alpha = await make(`Alpha ${stamp}`, top);
	await make(`Alpha one ${stamp}`, alpha);
	await make(`Alpha two ${stamp}`, alpha);
	const beta = await make(`Beta ${stamp}`, top);

	await page.goto(`/groups/${top}/subgroups`);
	const tree = page.getByRole('tree', { name: `Sub-groups of Intake ${stamp}` });
	await expect(tree).toBeVisible();
	// One tab stop for the whole tree.
	await expect(tree.locator('[role="treeitem"][tabindex="0"]')).toHaveCount(1);

	// Tab into the tree: the first item takes the focus.
	for (let presses = 0; presses < 80; presses += 1) {
		await page.keyboard.press('Tab');
		if ((await focused(page)).role === 'treeitem') break;
	}
	expect(await focused(page)).toEqual({
		role: 'treeitem',
		name: `Alpha ${stamp}`,
		level: '1',
		setsize: '2',
		posinset: '1',
		expanded: 'true'
	});

	await page.keyboard.press('ArrowDown');
	expect(await focused(page)).toMatchObject({
		name: `Alpha one ${stamp}`,
		level: '2',
		posinset: '1'
	});
	await page.keyboard.press('ArrowDown');
	expect(await focused(page)).toMatchObject({
		name: `Alpha two ${stamp}`,
		level: '2',
		posinset: '2'
	});
	await page.keyboard.press('ArrowDown');
	expect(await focused(page)).toMatchObject({ name: `Beta ${stamp}`, level: '1', posinset: '2' });
	await page.keyboard.press('ArrowUp');
	expect(await focused(page)).toMatchObject({ name: `Alpha two ${stamp}` });

	// Left on a leaf goes to its parent; Left again collapses it; Down then skips its children.
	await page.keyboard.press('ArrowLeft');
	expect(await focused(page)).toMatchObject({ name: `Alpha ${stamp}`, expanded: 'true' });
	await page.keyboard.press('ArrowLeft');
	expect(await focused(page)).toMatchObject({ name: `Alpha ${stamp}`, expanded: 'false' });
	await expect(tree.getByRole('link', { name: `Alpha one ${stamp}` })).toBeHidden();
	await page.keyboard.press('ArrowDown');
	expect(await focused(page)).toMatchObject({ name: `Beta ${stamp}` });

	// Home and End; Right expands, then goes to the first child.
	await page.keyboard.press('Home');
	expect(await focused(page)).toMatchObject({ name: `Alpha ${stamp}` });
	await page.keyboard.press('ArrowRight');
	expect(await focused(page)).toMatchObject({ name: `Alpha ${stamp}`, expanded: 'true' });
	await page.keyboard.press('ArrowRight');
	expect(await focused(page)).toMatchObject({ name: `Alpha one ${stamp}` });
	await page.keyboard.press('End');
	expect(await focused(page)).toMatchObject({ name: `Beta ${stamp}` });
	await expect(tree.locator('[role="treeitem"][tabindex="0"]')).toHaveCount(1);

	// Typing the start of a name finds it.
	await page.keyboard.press('Home');
	await page.keyboard.press('b');
	expect(await focused(page)).toMatchObject({ name: `Beta ${stamp}` });

	// Shift+Tab leaves the tree, Tab comes back to the item last used.
	await page.keyboard.press('Shift+Tab');
	expect((await focused(page)).role).not.toBe('treeitem');
	await page.keyboard.press('Tab');
	expect(await focused(page)).toMatchObject({ name: `Beta ${stamp}` });

	// Enter opens the group (an admin lands in its conversation).
	await page.keyboard.press('Enter');
	await expect(page).toHaveURL(new RegExp(`/groups/${beta}/`));
	await expect(page.getByRole('heading', { level: 1, name: `Beta ${stamp}` })).toBeVisible();
});
