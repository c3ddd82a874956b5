import { expect, test } from './fixtures';
import { signIn } from './sign-in';

// Ines Moreau teaches BIO101 in the demo seed; every demo learner's password is the same.
const STAFF = { email: 'ines.moreau@northfield.test', password: 'demo-pass-2026' };
const LEARNER_PASSWORD = 'demo-pass-2026';
const BIO101 = '00000000-0000-4000-b000-000000000001';

test('staff switch learner groups on, create “Not started”, message it, and a learner in it reads the message', async ({
	page,
	browser
}) => {
	const stamp = Date.now().toString(36);
	const subject = `Getting started in BIO101 ${stamp}`;
	const body = `Hello! Start with the first activity this week (${stamp}).`;

	await signIn(page, STAFF);
	await page.goto(`/courses/${BIO101}`);
	await page.getByRole('link', { name: 'Learner groups' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Learner groups' })).toBeVisible();

	// Off by default: nothing to create until staff switch it on.
	const toggle = page.getByLabel('Use learner groups in this course');
	await expect(toggle).not.toBeChecked();
	await expect(page.getByText('Learner groups are off for this course.')).toBeVisible();
	await expect(page.getByRole('button', { name: 'Create “Not started”' })).toHaveCount(0);
	await toggle.check();
	await page.getByRole('button', { name: 'Save setting' }).click();
	await expect(page.getByText('Learner groups are on for this course.')).toBeVisible();

	// One push creates the default group, filled at once.
	await page.getByRole('button', { name: 'Create “Not started”' }).click();
	await expect(page.getByText(/Created “Not started” with \d+ members?\./)).toBeVisible();
	await expect(page.getByRole('button', { name: 'Create “Not started”' })).toHaveCount(0);
	await page.getByRole('link', { name: 'Not started', exact: true }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Not started' })).toBeVisible();
	await expect(
		page.getByText('Criteria: enrolled as learner (active) AND NOT completed any activity')
	).toBeVisible();
	await expect(page.getByText('Created', { exact: true })).toBeVisible();

	// Pick a member as the learner who will read the message.
	const members = page.getByRole('list', { name: 'Members of Not started' }).getByRole('listitem');
	const count = await members.count();
	expect(count).toBeGreaterThan(0);
	await expect(page.getByTestId('member-count')).toHaveText(`${count} members`);
	const learnerEmail = (await members.first().locator('span').last().textContent())!.trim();
	expect(learnerEmail).toMatch(/@/);

	// Refreshing by hand with nothing changed adds and removes nobody.
	await page.getByRole('button', { name: 'Refresh now' }).click();
	await expect(
		page.getByText(`Refreshed: 0 added, 0 removed, ${count} members now.`)
	).toBeVisible();

	// The learner has the course's Activities page open, connected for live messages.
	const context = await browser.newContext();
	const learner = await context.newPage();
	await signIn(learner, { email: learnerEmail, password: LEARNER_PASSWORD });
	await learner.goto(`/courses/${BIO101}`);
	await learner.getByRole('link', { name: 'Activities' }).click();
	const inbox = learner.getByRole('region', { name: 'Messages from your course team' });
	await expect(inbox).toHaveAttribute('data-live', 'online');

	// A message with an empty body is refused and sends nothing.
	await page.getByLabel('Subject').fill(subject);
	await page.getByLabel('Message', { exact: true }).fill('   ');
	await page.getByRole('button', { name: /^Send to/ }).click();
	await expect(page.getByText('Write a message.').first()).toBeVisible();
	await expect(page.getByText('No messages sent to this group yet.')).toBeVisible();

	await page.getByLabel('Message', { exact: true }).fill(body);
	await page.getByRole('button', { name: `Send to ${count} members` }).click();
	await expect(page.getByText(`Sent “${subject}” to ${count} people.`)).toBeVisible();
	const history = page.getByRole('table', { name: /Messages sent to this learner group/ });
	const sent = history.locator('tr', { hasText: subject });
	await expect(sent).toContainText('Inès Moreau');
	await expect(sent).toContainText(String(count));

	// The learner's open page shows it at once, marked new, and never the group's name.
	const arrived = inbox.getByRole('listitem', { name: subject });
	await expect(arrived.getByText(body)).toBeVisible();
	await expect(arrived).toContainText('Inès Moreau');
	await expect(arrived.getByText('New', { exact: true })).toBeVisible();
	await expect(learner.getByText(`New message from Inès Moreau: ${subject}`)).toBeAttached();
	await expect(learner.getByText('Not started')).toHaveCount(0);
	// Seen on screen: staff see it counted; on the next visit it is no longer new.
	await expect(async () => {
		await page.reload();
		await expect(sent).toContainText(`1 of ${count}`, { timeout: 1000 });
	}).toPass({ timeout: 10_000 });
	await learner.reload();
	await expect(inbox.getByRole('listitem', { name: subject }).getByText(body)).toBeVisible();
	await expect(inbox.getByRole('listitem', { name: subject }).getByText('New')).toHaveCount(0);
	// The same through the JSON API, signed in as each: the learner's copy names no group.
	const mine = await learner.request.get('/api/v1/me/interventions');
	expect(mine.status()).toBe(200);
	const received = (await mine.json()).items.find(
		(item: { subject: string }) => item.subject === subject
	);
	expect(received).toMatchObject({ body, seen: true, announcementId: expect.any(String) });
	expect(JSON.stringify(received)).not.toContain('Not started');
	const groupId = page.url().split('/').at(-1)!;
	expect(JSON.stringify(received)).not.toContain(groupId);
	const staffView = await page.request.get(`/api/v1/learner-groups/${groupId}/interventions`);
	expect(
		(await staffView.json()).items.find((item: { subject: string }) => item.subject === subject)
	).toMatchObject({ announced: true, seenCount: 1, recipientCount: count });
	// Learners cannot open the staff pages.
	await learner.goto(`/courses/${BIO101}/learner-groups`);
	await expect(learner.getByRole('heading', { name: 'Page not found' })).toBeVisible();
	await context.close();
});

test('a course group’s dashboard updates live when a learner completes an activity, and exports CSV', async ({
	page,
	browser
}) => {
	const stamp = Date.now().toString(36);
	const activity = `Cell structure reading ${stamp}`;
	const groupName = `Lab group ${stamp}`;
	const learner = { email: 'maya.zhang36@learners.test', name: 'Maya Zhang' };

	await signIn(page, STAFF);
	// An activity learners may mark complete themselves.
	await page.goto(`/courses/${BIO101}/activities`);
	await page.locator('summary', { hasText: 'Add an activity' }).click();
	await page.getByLabel('Title').fill(activity);
	await page.getByLabel('Type').selectOption('page');
	await page.getByRole('button', { name: 'Add activity' }).click();
	await expect(page.getByText(`Added “${activity}”.`)).toBeVisible();

	// A course group with the learner in it.
	await page.goto(`/courses/${BIO101}/groups`);
	await page.getByLabel('Group name', { exact: true }).fill(groupName);
	await page.getByRole('button', { name: 'Create course group' }).click();
	await expect(page.getByText(`Created the group ${groupName}.`)).toBeVisible();
	await page.getByRole('link', { name: groupName }).first().click();
	await page.getByLabel('Email addresses').fill(learner.email);
	await page.getByRole('button', { name: 'Add to group' }).click();
	await expect(page.getByText('Added 1, updated 0, 0 already in the group.')).toBeVisible();

	await page.getByRole('link', { name: 'Dashboard' }).click();
	const row = page.getByRole('row', { name: new RegExp(learner.name) });
	await expect(row).toContainText('BIO101');
	const [done, visible] = (await row.getByText(/^\d+\/\d+$/).textContent())!.split('/').map(Number);
	// Wait for the socket before the learner acts, so the change cannot slip past.
	await expect(page.getByTestId('live-status')).toHaveText(/^\s*Live/);

	// The learner marks the activity complete in their own browser…
	const context = await browser.newContext();
	const other = await context.newPage();
	await signIn(other, { email: learner.email, password: LEARNER_PASSWORD });
	await other.goto(`/courses/${BIO101}/activities`);
	// Its name is the visible "Mark complete" and then the activity (read out, not shown).
	await other.getByRole('button', { name: new RegExp(`^Mark complete\\s*: ${activity}$`) }).click();
	await expect(other.getByText(`Marked “${activity}” complete.`)).toBeVisible();
	await context.close();

	// …and the staff member's open dashboard shows it without a reload.
	await expect(row.getByText(`${done + 1}/${visible}`)).toBeVisible();
	await expect(page.getByTestId('live-status')).toHaveText(/^\s*Live, updated/);
	const percent = Math.round(((done + 1) * 1000) / visible) / 10;
	await expect(row.getByRole('progressbar')).toHaveAttribute('aria-valuenow', String(percent));

	// Drill down to the learner.
	await row.getByRole('link', { name: learner.name }).click();
	await expect(page.getByRole('heading', { name: learner.name })).toBeVisible();
	await expect(page.getByRole('row', { name: new RegExp(activity) })).toContainText('Completed');

	// The CSV holds the same row.
	await page.getByRole('link', { name: '← Back to the dashboard' }).click();
	const download = page.waitForEvent('download');
	await page.getByRole('link', { name: 'Export CSV' }).click();
	const file = await download;
	const text = await (await file.createReadStream()).toArray();
	const csv = Buffer.concat(text as Buffer[]).toString('utf8');
	expect(csv.split('\r\n')[0]).toBe(
		'name,email,course,status,progress_percent,completed,activities,overdue,last_activity,inactive,behind_median,at_risk'
	);
	expect(csv).toContain(
		`${learner.name},${learner.email},BIO101,active,${percent},${done + 1},${visible},`
	);
});
