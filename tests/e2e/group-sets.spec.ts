import { expect, test, type Page } from './fixtures';
import { noSidewaysScroll } from './people';
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

	// The bench is now full (one place): a second learner of the course needs the explicit choice.
	const roster = await (
		await page.request.get(`/api/v1/courses/${BIO101}/enrolments?role=learner&pageSize=5`)
	).json();
	const other = (roster.items as { email: string }[]).find(
		(person) => person.email !== 'maya.zhang36@learners.test'
	)!.email;
	await page.getByLabel('Email addresses').fill(other);
	await page.getByRole('button', { name: 'Add to group' }).click();
	await expect(
		page.getByText(`${name} B is full: its grouping allows 1 people per group.`)
	).toBeVisible();
	const over = page.getByLabel('Add them over the grouping’s limit');
	await expect(over).toBeVisible();
	await expect(page.getByLabel('Email addresses')).toHaveValue(other);
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
	// The job may finish within a poll: record every progress bar the page shows on the way.
	await page.evaluate(() => {
		const seen: string[] = [];
		(window as unknown as { progressSeen: string[] }).progressSeen = seen;
		new MutationObserver(() => {
			const bar = document.querySelector('progress');
			const label = bar?.id ? document.querySelector(`label[for="${bar.id}"]`) : null;
			if (bar && label) seen.push(label.textContent?.trim() ?? '');
		}).observe(document.body, { subtree: true, childList: true, characterData: true });
	});
	await page.getByRole('button', { name: 'Assign unassigned learners' }).click();
	// The server runs this e2e build with a job threshold of 20 learners (playwright.config.ts).
	await expect(page.getByText(/Done: placed \d+ learners\./)).toBeVisible({ timeout: 60_000 });
	const seen = await page.evaluate(
		() => (window as unknown as { progressSeen: string[] }).progressSeen
	);
	expect(seen.length).toBeGreaterThan(0);
	expect(seen[0]).toMatch(/^Assigning in the background: \d+ of \d+$/);
	await expect(page.getByRole('button', { name: 'Assign unassigned learners' })).toBeEnabled();
	const progress = await (
		await page.request.get(`/api/v1/groupings/${groupingId}/signup/assign`)
	).json();
	expect(progress.run).toMatchObject({ status: 'done', leftOver: [] });
	expect(progress.run.processed).toBe(progress.run.total);
	expect(progress.run.total).toBeGreaterThan(20);
});

test('staff give a course and a group enrolment keys; a learner enrols with the group key and lands in the group', async ({
	page,
	browser
}) => {
	const stamp = Date.now().toString(36);
	const admin = { email: 'olivia.grant@northfield.test', password: 'demo-pass-2026' };
	await signIn(page, admin);
	const organisations = await (await page.request.get('/api/v1/organisations')).json();
	const northfield = (organisations.items ?? organisations).find(
		(organisation: { slug: string }) => organisation.slug === 'northfield'
	);
	const created = await page.request.post(`/api/v1/organisations/${northfield.id}/courses`, {
		data: { code: `KEY${stamp}`.slice(0, 20), name: `Keys ${stamp}`, description: '' }
	});
	expect(created.status(), await created.text()).toBe(201);
	const course = await created.json();
	const group = await page.request.post('/api/v1/groups', {
		data: { courseId: course.id, name: `Studio ${stamp}` }
	});
	expect(group.status(), await group.text()).toBe(201);

	// Course settings: a weak key is refused, a good one saved; the group gets a key of its own.
	await page.goto(`/courses/${course.id}/settings`);
	await page.getByLabel('People may enrol themselves with a key').check();
	await page.getByLabel('Enrolment key', { exact: true }).fill('short');
	await page.getByRole('button', { name: 'Save self-enrolment' }).click();
	await expect(page.getByText(/The key is too weak/)).toBeVisible();
	await page.getByLabel('Enrolment key', { exact: true }).fill(`course-${stamp}-key`);
	await page.getByRole('button', { name: 'Save self-enrolment' }).click();
	await expect(page.getByText('Self-enrolment is on.')).toBeVisible();
	await page.getByLabel(`Key for Studio ${stamp}`).fill(`studio-${stamp}-key`);
	await page.getByRole('button', { name: 'Save key' }).click();
	await expect(page.getByText('Key saved.')).toBeVisible();
	await page.setViewportSize({ width: 390, height: 844 });
	await noSidewaysScroll(page);

	// A Northfield learner enrols on the Enrol page: a wrong key first, then the group's.
	// On a phone-sized screen.
	const context = await browser.newContext({
		viewport: { width: 390, height: 844 },
		hasTouch: true
	});
	const learner = await context.newPage();
	await signIn(learner, { email: 'nora.nowak2@learners.test', password: 'demo-pass-2026' });
	await learner.goto('/organisations');
	await learner.getByRole('link', { name: 'Enrol in a course' }).click();
	await expect(learner.getByRole('heading', { name: 'Enrol in a course' })).toBeVisible();
	await noSidewaysScroll(learner);
	await learner.getByLabel('Course').selectOption(course.id);
	await learner.getByLabel('Enrolment key').fill('not-the-right-key');
	await learner.getByRole('button', { name: 'Enrol' }).click();
	await expect(
		learner.getByText('That key does not open this course.', { exact: false })
	).toBeVisible();
	await learner.getByLabel('Course').selectOption(course.id);
	await learner.getByLabel('Enrolment key').fill(`studio-${stamp}-key`);
	await learner.getByRole('button', { name: 'Enrol' }).click();
	await expect(learner.getByText(`You are enrolled, in Studio ${stamp}.`)).toBeVisible();
	await learner.screenshot({ path: 'test-results/self-enrolment.png' });
	await learner.getByRole('link', { name: 'Open the course' }).click();
	await expect(learner).toHaveURL(new RegExp(`/courses/${course.id}`));
	await context.close();
});

test('staff delete a set into the bin, see it there, and restore it with its members', async ({
	page
}) => {
	const name = `Benches ${Date.now().toString(36)}`;
	await signIn(page, STAFF);
	const { groupingId, a } = await groupingWithTwoGroups(page, name, false);
	const added = await page.request.post(`/api/v1/groups/${a}/members`, {
		data: { emails: ['maya.zhang36@learners.test'] }
	});
	expect((await added.json()).added).toBe(1);

	// The delete section says what goes, and so does the confirmation.
	await page.goto(`/courses/${BIO101}/groups/groupings/${groupingId}`);
	await expect(
		page.getByText('2 groups and their 1 member go to the bin for 30 days', { exact: false })
	).toBeVisible();
	let confirmation = '';
	page.once('dialog', (dialog) => {
		confirmation = dialog.message();
		void dialog.accept();
	});
	await page.getByRole('button', { name: 'Delete grouping' }).click();
	await expect(page).toHaveURL(new RegExp(`/courses/${BIO101}/groups/bin`));
	expect(confirmation).toBe(
		`Delete the grouping ${name}? 2 groups and their 1 member go to the bin for 30 days.`
	);

	// The bin lists it with its groups, members, who deleted it and the days left.
	const item = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name }) });
	await expect(item).toBeVisible();
	await expect(item.getByText(/by In.s Moreau · 30 days left · 1 member/)).toBeVisible();
	await expect(item.getByText(`${name} A · 1 member`)).toBeVisible();
	await expect(item.getByText(`${name} B · 0 members`)).toBeVisible();
	await page.screenshot({ path: 'test-results/grouping-bin.png', fullPage: true });
	await page.setViewportSize({ width: 390, height: 844 });
	await noSidewaysScroll(page);
	await page.setViewportSize({ width: 1280, height: 900 });

	// Gone from the groupings, and its group is not found while binned.
	await page.goto(`/courses/${BIO101}/groups/groupings`);
	await expect(page.getByRole('heading', { name: 'Groupings' })).toBeVisible();
	await expect(page.getByRole('link', { name })).toHaveCount(0);
	expect((await page.request.get(`/api/v1/groups/${a}/members`)).status()).toBe(404);

	// Restore from the Bin tab: the set, its groups and Maya come back.
	await page.getByRole('link', { name: 'Bin' }).click();
	await item.getByRole('button', { name: 'Restore' }).click();
	await expect(page.getByText(`Restored ${name} with 2 groups and 1 member.`)).toBeVisible();
	await expect(page.getByRole('heading', { name })).toHaveCount(0);
	const members = await (await page.request.get(`/api/v1/groups/${a}/members`)).json();
	expect(JSON.stringify(members)).toContain('maya.zhang36@learners.test');
	await page.goto(`/courses/${BIO101}/groups/groupings`);
	await expect(page.getByRole('link', { name })).toBeVisible();
});
