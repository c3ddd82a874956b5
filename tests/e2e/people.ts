import { expect, type Browser, type Page } from './fixtures';
import { signIn } from './sign-in';

// Seeded accounts and places the chat specs use, a signed-in browser per person, and a fresh
// group to chat in.

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
/** An instructor who leads the demo's BIO101 Study Circle, where Maya Zhang learns. */
export const INSTRUCTOR = {
	email: 'ines.moreau@northfield.test',
	password: PASSWORD,
	name: 'Inès Moreau'
};
/** The demo's BIO101 Study Circle (supabase/seed.sql): Inès leads it, Maya is in it. */
export const STUDY_CIRCLE = '00000000-0000-4000-c000-000000000001';

export type Viewport = { width: number; height: number };
export const DESKTOP: Viewport = { width: 1280, height: 800 };
export const PHONE: Viewport = { width: 390, height: 844 };
export const SIZES = [
	['desktop', DESKTOP],
	['phone', PHONE]
] as const;

type Account = { email: string; password: string };

/** A signed-in page in a context of its own (optionally phone-sized, with touch). */
export async function browserFor(browser: Browser, account: Account, viewport?: Viewport) {
	const phone = viewport !== undefined && viewport.width < 768;
	const context = await browser.newContext(viewport ? { viewport, hasTouch: phone } : {});
	const page = await context.newPage();
	await signIn(page, account);
	return page;
}

/** A fresh group with a leader and a member, made through the JSON API by an organisation admin. */
export async function groupWithLeaderAndMember(
	browser: Browser,
	name: string,
	leader: Account = LEADER,
	member: Account = MEMBER
) {
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
		[leader, 'leader'],
		[member, 'member']
	] as const) {
		const added = await admin.request.post(`/api/v1/groups/${id}/members`, {
			data: { emails: [account.email], role }
		});
		expect((await added.json()).errors).toEqual([]);
	}
	await admin.context().close();
	return id as string;
}

/** Nothing on the page is wider than the screen. */
export async function noSidewaysScroll(page: Page) {
	const overflow = await page.evaluate(
		() => document.documentElement.scrollWidth - document.documentElement.clientWidth
	);
	expect(overflow).toBeLessThanOrEqual(0);
}
