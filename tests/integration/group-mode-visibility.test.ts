import { beforeAll, describe, expect, it } from 'vitest';
import * as courseGroupsRoute from '../../src/routes/api/v1/courses/[id]/groups/+server';
import * as groupRoute from '../../src/routes/api/v1/groups/[id]/+server';
import * as membersRoute from '../../src/routes/api/v1/groups/[id]/members/+server';
import * as joinRoute from '../../src/routes/api/v1/groups/[id]/join/+server';
import * as enrolmentsRoute from '../../src/routes/api/v1/courses/[id]/enrolments/+server';
import { callEndpoint } from './route-call';
import {
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';

// The course's group mode decides what its participants see of its groups (none: each group's
// own visibility; separate: their own groups; visible: every non-hidden group, with members),
// and a group's visibility can only narrow it. Course groups are made as the app makes them, with
// the default visibility `members`. Through the JSON API, as a learner would meet it.

let course: { id: string; organisation_id: string };
let maya: TestUser;
let noah: TestUser;
let zoe: TestUser;
let stranger: TestUser;
let labA: string;
let labB: string;
let quiet: string;
let staffRoom: string;

async function group(name: string, extra: Record<string, unknown> = {}) {
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.groups ${ownerDb()({
			scope: 'course',
			organisation_id: course.organisation_id,
			course_id: course.id,
			name,
			...extra
		})} returning id`;
	return row.id;
}

async function setMode(mode: 'none' | 'separate' | 'visible') {
	await ownerDb()`update public.courses set group_mode = ${mode} where id = ${course.id}`;
}

const names = (body: unknown) =>
	((body as { items: { name: string }[] }).items ?? []).map((item) => item.name).sort();

beforeAll(async () => {
	const org = await createOrganisation();
	const created = await createCourse(org.id);
	course = { id: created.id, organisation_id: org.id };
	maya = await createUser({ name: 'Maya Visible' });
	noah = await createUser({ name: 'Noah Visible' });
	zoe = await createUser({ name: 'Zoe Visible' });
	stranger = await createUser({ name: 'Stranger Visible' });
	const otherCourse = await createCourse(org.id);
	await addOrganisationMember(org.id, stranger.id);
	await enrol(otherCourse.id, stranger.id);
	for (const person of [maya, noah, zoe]) await enrol(course.id, person.id);
	labA = await group('Lab A');
	labB = await group('Lab B');
	quiet = await group('Quiet lab', { visibility: 'own' });
	staffRoom = await group('Staff room', { visibility: 'hidden' });
	await ownerDb()`
		insert into public.group_members (group_id, user_id)
		values (${labA}, ${maya.id}), (${labB}, ${noah.id}), (${labB}, ${zoe.id}), (${quiet}, ${noah.id}),
		       (${staffRoom}, ${zoe.id})`;
});

describe('visible groups mode', () => {
	beforeAll(() => setMode('visible'));

	it("lists the course's other non-hidden groups for a learner", async () => {
		const answer = await callEndpoint(courseGroupsRoute.GET, {
			user: maya,
			params: { id: course.id }
		});
		expect(answer.status).toBe(200);
		expect(names(answer.body)).toEqual(['Lab A', 'Lab B', 'Quiet lab']);
	});

	it('opens another group with its member count', async () => {
		const answer = await callEndpoint(groupRoute.GET, { user: maya, params: { id: labB } });
		expect(answer.status).toBe(200);
		expect(answer.body).toMatchObject({ name: 'Lab B', directMembers: 2 });
	});

	it("shows another group's members", async () => {
		const answer = await callEndpoint(membersRoute.GET, { user: maya, params: { id: labB } });
		expect(answer.status).toBe(200);
		const members = (answer.body as { items: { displayName: string }[] }).items;
		expect(members.map((m) => m.displayName).sort()).toEqual(['Noah Visible', 'Zoe Visible']);
	});

	it('filters the participants by another group and finds its members', async () => {
		const answer = await callEndpoint(enrolmentsRoute.GET, {
			user: maya,
			params: { id: course.id },
			query: `groupIds=${labB}`
		});
		expect(answer.status).toBe(200);
		const rows = (answer.body as { items: { displayName: string }[] }).items;
		expect(rows.map((row) => row.displayName).sort()).toEqual(['Noah Visible', 'Zoe Visible']);
	});

	it("lets a group's own visibility narrow it: an `own` group shows no one else's membership", async () => {
		const answer = await callEndpoint(membersRoute.GET, { user: maya, params: { id: quiet } });
		expect(answer.status).toBe(200);
		expect((answer.body as { items: unknown[] }).items).toEqual([]);
	});

	it('keeps a hidden group hidden from learners, even one of its members', async () => {
		const answer = await callEndpoint(groupRoute.GET, { user: maya, params: { id: staffRoom } });
		expect(answer.status).toBe(404);
	});

	it('shows nothing to a learner of another course', async () => {
		const answer = await callEndpoint(groupRoute.GET, { user: stranger, params: { id: labB } });
		expect(answer.status).toBe(404);
	});
});

describe('separate groups mode', () => {
	beforeAll(() => setMode('separate'));

	it("lists only the learner's own groups, even a group every participant could see", async () => {
		const everyone = await group('Everyone lab', { visibility: 'scope' });
		try {
			const answer = await callEndpoint(courseGroupsRoute.GET, {
				user: maya,
				params: { id: course.id }
			});
			expect(names(answer.body)).toEqual(['Lab A']);
			const opened = await callEndpoint(groupRoute.GET, { user: maya, params: { id: everyone } });
			expect(opened.status).toBe(404);
		} finally {
			await ownerDb()`delete from public.groups where id = ${everyone}`;
		}
	});
});

describe('no groups mode', () => {
	beforeAll(() => setMode('none'));

	it("leaves each group's own visibility to decide", async () => {
		const answer = await callEndpoint(courseGroupsRoute.GET, {
			user: maya,
			params: { id: course.id }
		});
		expect(names(answer.body)).toEqual(['Lab A']);
		const members = await callEndpoint(membersRoute.GET, { user: maya, params: { id: labB } });
		expect(members.status).toBe(404);
	});
});

describe('open groups', () => {
	it('are discoverable and joinable by the participants of their course, in any mode', async () => {
		for (const mode of ['none', 'separate', 'visible'] as const) {
			await setMode(mode);
			const open = await group(`Open lab (${mode})`, { membership_mode: 'open' });
			const listed = await callEndpoint(courseGroupsRoute.GET, {
				user: maya,
				params: { id: course.id }
			});
			expect(names(listed.body)).toContain(`Open lab (${mode})`);
			const joined = await callEndpoint(joinRoute.POST, {
				user: maya,
				params: { id: open },
				json: {}
			});
			expect(joined).toEqual({ status: 200, body: { joined: true } });
		}
	});

	it('stay unknown to people outside their course', async () => {
		await setMode('none');
		const open = await group('Open lab (outsiders)', { membership_mode: 'open' });
		const joined = await callEndpoint(joinRoute.POST, {
			user: stranger,
			params: { id: open },
			json: {}
		});
		expect(joined.status).toBe(404);
	});

	it('that are hidden stay hidden: only staff and leaders know them', async () => {
		const open = await group('Open but hidden', { membership_mode: 'open', visibility: 'hidden' });
		const joined = await callEndpoint(joinRoute.POST, {
			user: maya,
			params: { id: open },
			json: {}
		});
		expect(joined.status).toBe(404);
	});

	it('of an organisation are joinable by its people, not by those of another organisation', async () => {
		const [org] = await ownerDb()<{ id: string }[]>`
			insert into public.groups (scope, organisation_id, name, membership_mode)
			values ('organisation', ${course.organisation_id}, 'Open reading club', 'open') returning id`;
		const outsider = await createUser({ name: 'Other Org Person' });
		const otherOrg = await createOrganisation();
		await addOrganisationMember(otherOrg.id, outsider.id);
		expect(
			await callEndpoint(joinRoute.POST, { user: stranger, params: { id: org.id }, json: {} })
		).toEqual({ status: 200, body: { joined: true } });
		expect(
			(await callEndpoint(joinRoute.POST, { user: outsider, params: { id: org.id }, json: {} }))
				.status
		).toBe(404);
	});
});
