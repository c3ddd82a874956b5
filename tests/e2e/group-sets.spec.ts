import { expect, test, type Page } from './fixtures';
import { signIn } from './sign-in';

// Group sets (issue 13), each test with groups and a grouping of its own in BIO101.
const STAFF = { email: 'ines.moreau@northfield.test', password: 'demo-pass-2026' };
const BIO101 = '00000000-0000-4000-b000-000000000001';

/** Two fresh groups in one fresh grouping of BIO101, made through the JSON API. */
async function groupingWithTwoGroups(page: Page, name: string, exclusive: boolean) {
	const ids: string[] = [];
	for (const letter of ['A', 'B']) {
		const created = await page.request.post('/api/v1/groups', {
			data: { courseId: BIO101, name: `${name} ${letter}` }
		});
		expect(created.status(), await created.text()).toBe(201);
		ids.push((await created.json()).id);
	}
	const grouping = await page.request.post(`/api/v1/courses/${BIO101}/groupings`, {
		data: { name, exclusive }
	});
	expect(grouping.status(), await grouping.text()).toBe(201);
	const groupingId = (await grouping.json()).id as string;
	const put = await page.request.post(`/api/v1/groupings/${groupingId}/groups`, {
		data: { groupIds: ids }
	});
	expect(put.ok(), await put.text()).toBe(true);
	return { groupingId, a: ids[0], b: ids[1] };
}

test('staff move a learner within an exclusive grouping and add over its limit only when they say so', async ({
	page
}) => {
	const name = `Benches ${Date.now().toString(36)}`;
	await signIn(page, STAFF);
	const { groupingId, a, b } = await groupingWithTwoGroups(page, name, true);
	const limit = await page.request.put(`/api/v1/groupings/${groupingId}/signup`, {
		data: { open: false, sizeLimit: 1 }
	});
	expect(limit.ok(), await limit.text()).toBe(true);
	const first = await page.request.post(`/api/v1/groups/${a}/members`, {
		data: { emails: ['maya.zhang36@learners.test'] }
	});
	expect((await first.json()).added).toBe(1);

	// Adding Maya to the other bench moves her, and the page says so.
	await page.goto(`/groups/${b}`);
	await page.getByLabel('Email addresses').fill('maya.zhang36@learners.test');
	await page.getByRole('button', { name: 'Add to group' }).click();
	await expect(page.getByText(`Moved Maya Zhang from ${name} A`)).toBeVisible();

	// The bench is now full (one place): a second learner needs the explicit choice.
	await page.getByLabel('Email addresses').fill('nora.nowak2@learners.test');
	await page.getByRole('button', { name: 'Add to group' }).click();
	await expect(
		page.getByText(`${name} B is full: its grouping allows 1 people per group.`)
	).toBeVisible();
	const over = page.getByLabel('Add them over the grouping’s limit');
	await expect(over).toBeVisible();
	await expect(page.getByLabel('Email addresses')).toHaveValue('nora.nowak2@learners.test');
	await over.check();
	await page.getByRole('button', { name: 'Add to group' }).click();
	await expect(page.getByText('Added 1, updated 0, 0 already in the group.')).toBeVisible();
	const members = await (await page.request.get(`/api/v1/groups/${b}/members`)).json();
	expect((members.items ?? members).length).toBe(2);
});

test('"Assign unassigned" on a large grouping runs in the background with a progress bar', async ({
	page
}) => {
	const name = `Tables ${Date.now().toString(36)}`;
	await signIn(page, STAFF);
	const { groupingId } = await groupingWithTwoGroups(page, name, false);
	await page.goto(`/courses/${BIO101}/groups/groupings/${groupingId}`);
	await page.getByRole('button', { name: 'Assign unassigned learners' }).click();
	// The server runs this e2e build with a job threshold of 20 learners (playwright.config.ts).
	const bar = page.getByRole('progressbar');
	await expect(bar).toBeVisible();
	await expect(page.getByText(/Assigning in the background: \d+ of \d+/)).toBeVisible();
	await expect(page.getByText(/Done: placed \d+ learners\./)).toBeVisible({ timeout: 60_000 });
	const progress = await (
		await page.request.get(`/api/v1/groupings/${groupingId}/signup/assign`)
	).json();
	expect(progress.run).toMatchObject({ status: 'done', leftOver: [] });
	expect(progress.run.processed).toBe(progress.run.total);
	expect(progress.run.total).toBeGreaterThan(20);
});
