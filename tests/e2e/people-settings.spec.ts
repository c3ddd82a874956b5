import { expect, test, type Browser, type Page } from './fixtures';
import { signUpLink } from './mail';
import { signIn } from './sign-in';

// Issue 13, People: a person's time zone (their browser's at first, then their choice) decides
// how every date is shown and read; being added to a course group arrives as a notification;
// staff see when each participant was last active. Everything made here, for this spec alone.

const PLATFORM_ADMIN = { email: 'admin@tessera.test', password: 'demo-admin-2026' };

async function newPerson(browser: Browser, timezoneId: string, name = 'Zoned Person') {
	const email = `zoned.${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}@example.test`;
	const password = 'plum lantern orbit meadow';
	const context = await browser.newContext({ timezoneId });
	const page = await context.newPage();
	await page.goto('/signup');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Display name').fill(name);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Create account' }).click();
	await page.goto(await signUpLink(page, email));
	await page.getByRole('button', { name: 'Create my account' }).click();
	await expect(page).toHaveURL('/');
	const me = await (await page.request.get('/api/v1/me')).json();
	return { page, email, id: me.id as string };
}

async function adminPage(browser: Browser): Promise<Page> {
	const page = await (await browser.newContext()).newPage();
	await signIn(page, PLATFORM_ADMIN);
	return page;
}

test('a person’s time zone: taken from the browser, chosen in Settings, used to show and enter times', async ({
	browser
}) => {
	const person = await newPerson(browser, 'America/New_York');
	const { page } = person;
	// The first page took the browser's zone.
	await page.goto('/settings');
	await expect(page.getByLabel('Your time zone')).toHaveValue('America/New_York');
	await page.getByLabel('Your time zone').selectOption('Asia/Tokyo');
	await page.getByRole('button', { name: 'Save' }).first().click();
	await expect(page.getByText('Dates are now shown and entered in Asia/Tokyo.')).toBeVisible();

	// An admin gives them a course with a grouping whose sign-up opens at 00:00 UTC.
	const admin = await adminPage(browser);
	const organisations = await (await admin.request.get('/api/v1/organisations')).json();
	const northfield = (organisations.items ?? organisations).find(
		(organisation: { slug: string }) => organisation.slug === 'northfield'
	);
	const code = `TZ${Date.now().toString(36).slice(-5).toUpperCase()}`;
	const courseResponse = await admin.request.post(
		`/api/v1/organisations/${northfield.id}/courses`,
		{ data: { code, name: 'Time zones', description: '' } }
	);
	expect(courseResponse.status()).toBe(201);
	const course = await courseResponse.json();
	const enrolled = await admin.request.post(`/api/v1/courses/${course.id}/enrolments`, {
		data: { userIds: [person.id], role: 'instructor' }
	});
	expect(enrolled.status(), await enrolled.text()).toBeLessThan(300);
	const grouping = await (
		await admin.request.post(`/api/v1/courses/${course.id}/groupings`, {
			data: { name: 'Seminars' }
		})
	).json();
	const opened = await admin.request.put(`/api/v1/groupings/${grouping.id}/signup`, {
		data: {
			open: true,
			sizeLimit: null,
			opensAt: '2026-12-20T00:00:00.000Z',
			closesAt: null,
			autoLeader: 'none'
		}
	});
	expect(opened.status(), await opened.text()).toBe(200);

	// Tokyo is UTC+9: the person sees 09:00, and what they type is read in Tokyo.
	await page.goto(`/courses/${course.id}/groups/groupings/${grouping.id}`);
	await expect(page.getByText('Opens 20 Dec 2026, 09:00').first()).toBeVisible();
	await expect(page.getByLabel('Opens (Asia/Tokyo, optional)')).toHaveValue('2026-12-20T09:00');
	await page.getByLabel('Closes (Asia/Tokyo, optional)').fill('2026-12-24T18:30');
	await page.getByRole('button', { name: 'Save sign-up settings' }).click();
	await expect(page.getByText('Sign-up is on.')).toBeVisible();
	const saved = await (await admin.request.get(`/api/v1/groupings/${grouping.id}`)).json();
	expect(new Date(saved.signup.closesAt).toISOString()).toBe('2026-12-24T09:30:00.000Z');

	// Added to a course group: told in the notification centre.
	const group = await admin.request.post('/api/v1/groups', {
		data: { scope: 'course', courseId: course.id, name: 'Lab Tokyo' }
	});
	expect(group.status(), await group.text()).toBe(201);
	const { id: groupId } = await group.json();
	const added = await admin.request.post(`/api/v1/groups/${groupId}/members`, {
		data: { userIds: [person.id] }
	});
	expect(added.status(), await added.text()).toBeLessThan(300);
	await page.goto('/notifications');
	await expect(page.getByRole('link', { name: /added you to Lab Tokyo/ })).toBeVisible();

	// Staff see when each participant was last active (this person: just now).
	await page.goto(`/courses/${course.id}`);
	await expect(page.getByRole('columnheader', { name: 'Last active' })).toBeVisible();
	await expect(page.getByTestId('last-active').first()).not.toHaveText('Never');
	await page.screenshot({ path: 'test-results/participants-last-active.png', fullPage: true });
	await admin.context().close();
	await page.context().close();
});

test('learners see other learners’ email addresses only once their organisation allows it', async ({
	browser
}) => {
	const stamp = Date.now().toString(36);
	const admin = await adminPage(browser);
	const organisation = await admin.request.post('/api/v1/organisations', {
		data: { name: `Privacy ${stamp}`, slug: `privacy-${stamp}`, description: '' }
	});
	expect(organisation.status(), await organisation.text()).toBe(201);
	const { id: organisationId, slug } = await organisation.json();
	const course = await (
		await admin.request.post(`/api/v1/organisations/${organisationId}/courses`, {
			data: { code: `PRV${stamp.slice(-4).toUpperCase()}`, name: 'Privacy', description: '' }
		})
	).json();
	const viewer = await newPerson(browser, 'UTC', 'Viewing Learner');
	const other = await newPerson(browser, 'UTC', 'Other Learner');
	const enrolled = await admin.request.post(`/api/v1/courses/${course.id}/enrolments`, {
		data: { userIds: [viewer.id, other.id] }
	});
	expect(enrolled.status(), await enrolled.text()).toBeLessThan(300);

	const { page } = viewer;
	await page.goto(`/courses/${course.id}`);
	const main = page.locator('#main');
	await expect(main.getByText(viewer.email)).toBeVisible();
	await expect(main.getByText('Other Learner')).toBeVisible();
	await expect(main.getByText(other.email)).toHaveCount(0);

	await admin.goto(`/organisations/${slug}`);
	await admin.getByLabel(/Learners see other learners' email addresses/).check();
	await admin
		.getByRole('region', { name: 'Email addresses' })
		.getByRole('button', { name: 'Save' })
		.click();
	await expect(admin.getByText("Learners see other learners' email addresses.")).toBeVisible();

	await page.reload();
	await expect(main.getByText(other.email)).toBeVisible();
	await admin.context().close();
	await page.context().close();
	await other.page.context().close();
});
