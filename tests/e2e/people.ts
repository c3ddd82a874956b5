import { expect, type Browser } from './fixtures';
import { signIn } from './sign-in';

// Seeded accounts the chat specs use, and a fresh group to chat in.

export const PASSWORD = 'demo-pass-2026';
export const ADMIN = { email: 'olivia.grant@northfield.test', password: PASSWORD };
// Seeded Northfield learners: a leader and a member.
export const LEADER = {
	email: 'nora.nowak2@learners.test',
	password: PASSWORD,
	name: 'Nora Nowak'
};
export const MEMBER = {
	email: 'maya.zhang36@learners.test',
	password: PASSWORD,
	name: 'Maya Zhang'
};

export const PHONE = { width: 390, height: 844 };

/** A signed-in page in a context of its own (optionally phone-sized). */
export async function browserFor(
	browser: Browser,
	account: { email: string; password: string },
	viewport?: { width: number; height: number }
) {
	const context = await browser.newContext(viewport ? { viewport, hasTouch: true } : {});
	const page = await context.newPage();
	await signIn(page, account);
	return page;
}

/** A fresh group with a leader and a member, made through the JSON API by an organisation admin. */
export async function groupWithLeaderAndMember(browser: Browser, name: string) {
	const admin = await browserFor(browser, ADMIN);
	const organisations = await (await admin.request.get('/api/v1/organisations')).json();
	const northfield = (organisations.items ?? organisations).find(
		(organisation: { slug: string }) => organisation.slug === 'northfield'
	);
	const created = await admin.request.post('/api/v1/groups', {
		data: { organisationId: northfield.id, name, kind: 'study group' }
	});
	expect(created.status()).toBe(201);
	const { id } = await created.json();
	for (const [account, role] of [
		[LEADER, 'leader'],
		[MEMBER, 'member']
	] as const) {
		const added = await admin.request.post(`/api/v1/groups/${id}/members`, {
			data: { emails: [account.email], role }
		});
		expect((await added.json()).errors).toEqual([]);
	}
	await admin.context().close();
	return id as string;
}
