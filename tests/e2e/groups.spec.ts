import { expect, test } from './fixtures';
import { signIn } from './sign-in';

const ADMIN = { email: 'olivia.grant@northfield.test', password: 'demo-pass-2026' };
// Seeded Northfield learners who are not enrolled in BIO101.
const LEARNER = { email: 'elias.byrne1@learners.test', name: 'Elias Byrne' };
const LEADER = { email: 'nora.nowak2@learners.test', password: 'demo-pass-2026' };
const BIO101 = '00000000-0000-4000-b000-000000000001';

function idFrom(url: string) {
	return url.match(/\/groups\/([0-9a-f-]{36})/)![1];
}

test('an admin builds a hierarchy, links it to a course, and a sub-group leader sees only their branch', async ({
	page,
	browser
}) => {
	const stamp = Date.now().toString(36);
	const top = `Cohort ${stamp}`;
	const sub = `Tutorial A ${stamp}`;
	const leaf = `Lab pair ${stamp}`;
	const sibling = `Tutorial B ${stamp}`;

	await signIn(page, ADMIN);
	await page.goto('/organisations/northfield');
	await page.getByRole('link', { name: 'Groups and cohorts' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Groups' })).toBeVisible();

	// Top level, from the "New group" form: it opens the new group's page.
	await page.getByLabel('Group name', { exact: true }).fill(top);
	await page.getByLabel('Kind', { exact: true }).selectOption('cohort');
	await page.getByRole('button', { name: 'Create group' }).click();
	await expect(page.getByRole('heading', { level: 1, name: top })).toBeVisible();
	const topId = idFrom(page.url());

	// Second level, from the group's Sub-groups tab.
	await page.getByRole('link', { name: 'Sub-groups' }).click();
	await page.getByLabel('Group name', { exact: true }).fill(sub);
	await page.getByRole('button', { name: 'Create sub-group' }).click();
	await expect(page.getByText(`Created the sub-group ${sub}.`)).toBeVisible();

	// Third level, inline in the organisation's tree.
	await page.goto('/organisations/northfield/groups');
	await page.locator('summary', { hasText: `Add sub-group to ${sub}` }).click();
	await page.getByLabel(`Name of the new sub-group of ${sub}`).fill(leaf);
	await page.getByRole('button', { name: `Create sub-group of ${sub}` }).click();
	await expect(page.getByText(`Created the sub-group ${leaf}.`)).toBeVisible();
	const tree = page.getByRole('navigation', { name: 'Groups of Northfield University' });
	await expect(tree.getByRole('link', { name: leaf })).toBeVisible();
	// Collapsing the middle level (a pointer on its chevron) hides the leaf.
	const subItem = tree.getByRole('treeitem', { name: sub });
	await subItem.locator('[data-tree-toggle]').click();
	await expect(subItem).toHaveAttribute('aria-expanded', 'false');
	await expect(tree.getByRole('link', { name: leaf })).toBeHidden();
	await subItem.locator('[data-tree-toggle]').click();
	await expect(subItem).toHaveAttribute('aria-expanded', 'true');
	const leafId = idFrom((await tree.getByRole('link', { name: leaf }).getAttribute('href'))!);
	const subId = idFrom((await tree.getByRole('link', { name: sub }).getAttribute('href'))!);

	// Link the top cohort to BIO101.
	await page.goto(`/courses/${BIO101}`);
	await page.getByRole('link', { name: 'Groups and cohorts' }).click();
	await page.getByRole('checkbox', { name: top }).check();
	await page.getByLabel('Also place them in a course group').selectOption('new');
	await page.getByRole('button', { name: 'Link groups' }).click();
	await expect(page.getByText(`Linked ${top} (0 enrolled) as learner.`)).toBeVisible();
	await expect(page.getByRole('link', { name: `${top} cohort` }).first()).toBeVisible();

	// Someone added to the leaf is enrolled in the course through the top cohort.
	await page.goto(`/groups/${leafId}`);
	await page.getByLabel('Email addresses').fill(LEARNER.email);
	await page.getByRole('button', { name: 'Add to group' }).click();
	await expect(page.getByText('Added 1, updated 0, 0 already in the group.')).toBeVisible();
	await expect(page.getByRole('row', { name: new RegExp(LEARNER.name) })).toBeVisible();

	// An address of nobody the admin can see in the organisation is invited, not added: the same
	// answer whether or not it has an account.
	const visitor = `visitor.${stamp}@elsewhere.test`;
	await page.getByLabel('Email addresses').fill(visitor);
	await page.getByRole('button', { name: 'Add to group' }).click();
	await expect(page.getByText('Added 0, updated 0, 0 already in the group.')).toBeVisible();
	await expect(page.getByTestId('invited')).toContainText('We sent an invitation to:');
	await expect(page.getByTestId('invited')).toContainText(visitor);
	await expect(page.getByRole('row', { name: new RegExp(visitor) })).toHaveCount(0);

	await page.goto(`/groups/${topId}`);
	await expect(page.getByRole('row', { name: new RegExp(LEARNER.name) })).toContainText(
		`via ${leaf}`
	);

	await page.goto(`/courses/${BIO101}?search=${encodeURIComponent(LEARNER.name)}`);
	await expect(page.getByRole('row', { name: new RegExp(LEARNER.name) })).toBeVisible();

	// A leader for the sub-group, then a sibling next to it.
	await page.goto(`/groups/${subId}`);
	await page.getByLabel('Email addresses').fill(LEADER.email);
	await page.getByLabel('Add as').selectOption('leader');
	await page.getByRole('button', { name: 'Add to group' }).click();
	await expect(page.getByText('Added 1, updated 0, 0 already in the group.')).toBeVisible();

	await page.goto('/organisations/northfield/groups');
	await page.locator('summary', { hasText: `Add sub-group to ${top}` }).click();
	await page.getByLabel(`Name of the new sub-group of ${top}`).fill(sibling);
	await page.getByRole('button', { name: `Create sub-group of ${top}` }).click();
	await expect(page.getByText(`Created the sub-group ${sibling}.`)).toBeVisible();
	const siblingId = idFrom((await tree.getByRole('link', { name: sibling }).getAttribute('href'))!);

	// The history says what happened in plain words.
	await page.goto(`/groups/${topId}/history`);
	await expect(
		page.getByText(`Olivia Grant added ${LEARNER.name} as member in ${leaf} (app)`)
	).toBeVisible();

	// The leader, in their own browser, sees their branch and nothing of the sibling.
	const context = await browser.newContext();
	const leader = await context.newPage();
	await signIn(leader, LEADER);
	await expect(leader.getByRole('link', { name: sub })).toBeVisible();
	await leader.goto('/organisations/northfield/groups');
	await expect(leader.getByRole('link', { name: sub })).toBeVisible();
	await expect(leader.getByRole('link', { name: leaf })).toBeVisible();
	await expect(leader.getByRole('link', { name: sibling })).toHaveCount(0);
	await leader.getByLabel('Find a group').fill(sibling);
	await leader.getByRole('button', { name: 'Search' }).click();
	await expect(leader.getByText(`No group matches “${sibling}”.`)).toBeVisible();
	await leader.goto(`/groups/${siblingId}`);
	await expect(leader.getByRole('heading', { name: 'Page not found' })).toBeVisible();
	await context.close();
});

test('a leader invites by link, and a learner opens the link in another browser and joins', async ({
	page,
	browser
}) => {
	const name = `Invited circle ${Date.now().toString(36)}`;
	await signIn(page, ADMIN);
	await page.goto('/organisations/northfield/groups');
	await page.getByLabel('Group name', { exact: true }).fill(name);
	await page.getByLabel('How people join').selectOption('invite');
	await page.getByRole('button', { name: 'Create group' }).click();
	await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
	const groupUrl = page.url();

	await page.getByRole('link', { name: 'Invitations' }).click();
	await page.getByRole('button', { name: 'Create invitation' }).click();
	const link = await page.getByLabel('Invitation link').inputValue();
	expect(link).toMatch(/\/invite\/[a-z2-7]+$/);

	const other = await browser.newContext();
	const learner = await other.newPage();
	// Signed out, the link leads to sign-in and back.
	await learner.goto(link);
	await expect(learner).toHaveURL(/\/signin/);
	await learner.getByLabel('Email').fill(LEADER.email);
	await learner.getByLabel('Password').fill(LEADER.password);
	await learner.getByRole('button', { name: 'Sign in' }).click();
	await expect(learner.getByRole('heading', { level: 1, name: `Join ${name}?` })).toBeVisible();
	await learner.getByRole('button', { name: 'Join' }).click();
	await expect(learner.getByRole('heading', { level: 1, name })).toBeVisible();
	await other.close();

	await page.goto(groupUrl);
	await expect(page.getByRole('cell', { name: LEADER.email })).toBeVisible();
});
