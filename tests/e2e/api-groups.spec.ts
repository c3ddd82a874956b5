import { expect, request, test, type APIRequestContext } from './fixtures';
import { baseURL } from '../../playwright.config';

// Groups, memberships, invitations and cohort links through /api/v1, as a script would use them.

const ADMIN = { email: 'admin@tessera.test', password: 'demo-admin-2026' };
const OLIVIA = { email: 'olivia.grant@northfield.test', password: 'demo-pass-2026' };
const MAYA = { email: 'maya.zhang36@learners.test', password: 'demo-pass-2026' };
const MAYA_ID = '00000000-0000-4000-9000-000000000036';
// Learner 1 studies HIS210 only, so DAT150 enrols them only through a link.
const ELIAS = 'elias.byrne1@learners.test';
const ELIAS_ID = '00000000-0000-4000-9000-000000000001';
const NORTHFIELD_ID = '00000000-0000-4000-a000-000000000001';
const BIO101_ID = '00000000-0000-4000-b000-000000000001';
const DAT150_ID = '00000000-0000-4000-b000-000000000003';
const RANDOM_ID = '6f1c9e52-3b7a-4d1e-9c55-0a2b8e4d7f10';
const NOT_FOUND = {
	error: { code: 'not_found', message: 'Not found, or you do not have access.', issues: [] }
};
const RUN = Date.now().toString(36);

async function tokenFor(account: { email: string; password: string }): Promise<APIRequestContext> {
	const session = await request.newContext({ baseURL });
	expect((await session.post('/api/v1/sessions', { data: account })).status()).toBe(201);
	const created = await session.post('/api/v1/tokens', { data: { name: 'e2e groups' } });
	expect(created.status()).toBe(201);
	const { secret } = await created.json();
	await session.dispose();
	return request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${secret}` } });
}

function expectErrorShape(body: unknown, code: string) {
	expect(body).toEqual({
		error: { code, message: expect.any(String), issues: expect.any(Array) }
	});
}

async function createGroup(
	context: APIRequestContext,
	data: Record<string, unknown>
): Promise<{ id: string; [key: string]: unknown }> {
	const response = await context.post('/api/v1/groups', { data });
	expect(response.status(), JSON.stringify(await response.json())).toBe(201);
	return response.json();
}

test.describe.configure({ mode: 'serial' });

let admin: APIRequestContext;
let olivia: APIRequestContext;
let maya: APIRequestContext;

test.beforeAll(async () => {
	[admin, olivia, maya] = await Promise.all([tokenFor(ADMIN), tokenFor(OLIVIA), tokenFor(MAYA)]);
});

test.afterAll(async () => {
	await Promise.all([admin, olivia, maya].map((context) => context?.dispose()));
});

test('an admin builds a hierarchy, links it to a course, and a learner added to a leaf is enrolled', async () => {
	const faculty = await createGroup(admin, {
		organisationId: NORTHFIELD_ID,
		name: `Faculty of Science ${RUN}`,
		idnumber: `sci-${RUN}`,
		kind: 'cohort'
	});
	expect(faculty).toMatchObject({
		scope: 'organisation',
		organisationId: NORTHFIELD_ID,
		parentId: null,
		depth: 0,
		visibility: 'members',
		membershipMode: 'manual',
		canManage: true
	});
	const department = await createGroup(admin, { parentId: faculty.id, name: `Biology ${RUN}` });
	const leaf = await createGroup(admin, { parentId: department.id, name: `Lab A ${RUN}` });
	expect(leaf).toMatchObject({
		scope: 'organisation',
		parentId: department.id,
		depth: 2,
		path: [
			{ id: faculty.id, name: `Faculty of Science ${RUN}` },
			{ id: department.id, name: `Biology ${RUN}` }
		]
	});

	const tree = await admin.get(`/api/v1/organisations/${NORTHFIELD_ID}/groups?search=${RUN}`);
	expect(tree.status()).toBe(200);
	expect(
		(await tree.json()).items.map((node: { id: string; depth: number }) => [node.id, node.depth])
	).toEqual([
		[faculty.id, 0],
		[department.id, 1],
		[leaf.id, 2]
	]);

	const enrolments = `/api/v1/courses/${DAT150_ID}/enrolments`;
	expect(
		(await (await admin.get(`${enrolments}?search=${encodeURIComponent(ELIAS)}`)).json()).total
	).toBe(0);

	const linked = await admin.post(`/api/v1/courses/${DAT150_ID}/links`, {
		data: { groupId: faculty.id, courseRole: 'learner', target: 'new' }
	});
	expect(linked.status()).toBe(201);
	const link = await linked.json();
	expect(link).toMatchObject({
		courseId: DAT150_ID,
		groupId: faculty.id,
		courseRole: 'learner',
		removalPolicy: 'suspend',
		targetGroupName: `Faculty of Science ${RUN} cohort`,
		enrolled: 0
	});
	const again = await admin.post(`/api/v1/courses/${DAT150_ID}/links`, {
		data: { groupId: faculty.id, target: '' }
	});
	expect(again.status()).toBe(409);
	expectErrorShape(await again.json(), 'already_linked');

	const added = await admin.post(`/api/v1/groups/${leaf.id}/members`, {
		data: { emails: [ELIAS, 'nobody@learners.test'], role: 'member' }
	});
	expect(added.status()).toBe(200);
	// An email nobody in the organisation uses is invited, never reported as "no account".
	expect(await added.json()).toEqual({
		added: 1,
		updated: 0,
		unchanged: 0,
		invited: ['nobody@learners.test'],
		invitesAdmitOutsiders: true,
		errors: [],
		moved: []
	});

	const enrolled = await (
		await admin.get(`${enrolments}?search=${encodeURIComponent(ELIAS)}`)
	).json();
	expect(enrolled.items).toEqual([
		expect.objectContaining({ userId: ELIAS_ID, role: 'learner', status: 'active' })
	]);

	// Membership flows up: the faculty lists Elias, through the lab.
	const members = await (await admin.get(`/api/v1/groups/${faculty.id}/members`)).json();
	expect(members.items).toEqual([
		expect.objectContaining({ userId: ELIAS_ID, direct: false, viaGroupId: leaf.id })
	]);
	expect(
		(await (await admin.get(`/api/v1/groups/${faculty.id}/members?only=direct`)).json()).items
	).toEqual([]);

	const courseGroups = await (await admin.get(`/api/v1/courses/${DAT150_ID}/groups`)).json();
	expect(courseGroups.items).toContainEqual(
		expect.objectContaining({
			id: link.targetGroupId,
			scope: 'course',
			membershipMode: 'sync',
			directMembers: 1
		})
	);
	const links = await (await admin.get(`/api/v1/courses/${DAT150_ID}/links`)).json();
	expect(links.items).toContainEqual(expect.objectContaining({ id: link.id, enrolled: 1 }));

	const patched = await admin.patch(`/api/v1/links/${link.id}`, {
		data: { removalPolicy: 'unenrol' }
	});
	expect(patched.status()).toBe(200);
	expect(await patched.json()).toMatchObject({ id: link.id, removalPolicy: 'unenrol' });

	expect((await admin.delete(`/api/v1/groups/${leaf.id}/members/${ELIAS_ID}`)).status()).toBe(204);
	expect(
		(await (await admin.get(`${enrolments}?search=${encodeURIComponent(ELIAS)}`)).json()).total
	).toBe(0);

	expect((await admin.delete(`/api/v1/links/${link.id}`)).status()).toBe(204);
	expect(await (await admin.get(`/api/v1/links/${link.id}`)).json()).toEqual(NOT_FOUND);
});

test("an organisation admin changes a synced group's members through the API", async () => {
	const cohort = await createGroup(olivia, {
		organisationId: NORTHFIELD_ID,
		name: `Synced intake ${RUN}`,
		membershipMode: 'sync'
	});
	expect(cohort.membershipMode).toBe('sync');
	const members = `/api/v1/groups/${cohort.id}/members`;

	const added = await olivia.post(members, { data: { userIds: [MAYA_ID, ELIAS_ID] } });
	expect(added.status()).toBe(200);
	expect(await added.json()).toMatchObject({ added: 2, errors: [] });

	const promoted = await olivia.post(`${members}/role`, {
		data: { userIds: [MAYA_ID], role: 'leader' }
	});
	expect(await promoted.json()).toEqual({ changed: 1 });
	expect((await (await olivia.get(`${members}?role=leader`)).json()).items).toEqual([
		expect.objectContaining({ userId: MAYA_ID, role: 'leader', direct: true })
	]);

	expect((await olivia.delete(`${members}/${ELIAS_ID}`)).status()).toBe(204);
	const missing = await olivia.delete(`${members}/${ELIAS_ID}`);
	expect(missing.status()).toBe(404);
	expect(await missing.json()).toEqual(NOT_FOUND);
	expect((await (await olivia.get(members)).json()).items).toHaveLength(1);
});

test('deleting needs the counts of the preview: a stale expectation is a 409 and deletes nothing', async () => {
	const parent = await createGroup(admin, { organisationId: NORTHFIELD_ID, name: `Doomed ${RUN}` });
	const child = await createGroup(admin, { parentId: parent.id, name: `Doomed child ${RUN}` });
	await admin.post(`/api/v1/groups/${child.id}/members`, { data: { userIds: [MAYA_ID] } });

	const preview = await (await admin.get(`/api/v1/groups/${parent.id}/delete-preview`)).json();
	expect(preview).toEqual({
		group: { id: parent.id, name: `Doomed ${RUN}` },
		subgroups: [{ id: child.id, name: `Doomed child ${RUN}`, depth: 1 }],
		memberships: 1,
		people: 1,
		courseLinks: 0
	});

	const unconfirmed = await admin.delete(`/api/v1/groups/${parent.id}`);
	expect(unconfirmed.status()).toBe(400);
	const body = await unconfirmed.json();
	expectErrorShape(body, 'invalid_input');
	expect(body.error.issues.map((issue: { path: string }) => issue.path).sort()).toEqual([
		'expectMemberships',
		'expectSubgroups'
	]);

	const stale = await admin.delete(
		`/api/v1/groups/${parent.id}?expectSubgroups=1&expectMemberships=0`
	);
	expect(stale.status()).toBe(409);
	expectErrorShape(await stale.json(), 'changed');
	expect((await admin.get(`/api/v1/groups/${child.id}`)).status()).toBe(200);

	const deleted = await admin.delete(
		`/api/v1/groups/${parent.id}?expectSubgroups=${preview.subgroups.length}&expectMemberships=${preview.memberships}`
	);
	expect(deleted.status()).toBe(200);
	expect(await deleted.json()).toEqual({ deletedGroups: 2, deletedMemberships: 1 });
	expect(await (await admin.get(`/api/v1/groups/${child.id}`)).json()).toEqual(NOT_FOUND);
});

test('a group is renamed, moved and has messaging switched off in bulk', async () => {
	const a = await createGroup(admin, { organisationId: NORTHFIELD_ID, name: `Move A ${RUN}` });
	const b = await createGroup(admin, { organisationId: NORTHFIELD_ID, name: `Move B ${RUN}` });

	const renamed = await admin.patch(`/api/v1/groups/${b.id}`, {
		data: { description: 'Moved by a script.', sizeLimit: 30 }
	});
	expect(renamed.status()).toBe(200);
	expect(await renamed.json()).toMatchObject({
		name: `Move B ${RUN}`,
		description: 'Moved by a script.',
		sizeLimit: 30
	});

	const moved = await admin.post(`/api/v1/groups/${b.id}/move`, { data: { parentId: a.id } });
	expect(moved.status()).toBe(200);
	expect(await moved.json()).toMatchObject({ parentId: a.id, depth: 1 });
	const loop = await admin.post(`/api/v1/groups/${a.id}/move`, { data: { parentId: b.id } });
	expect(loop.status()).toBe(409);
	expectErrorShape(await loop.json(), 'invalid_move');

	const messaging = await admin.post('/api/v1/groups/messaging', {
		data: { groupIds: [a.id, b.id], enabled: false }
	});
	expect(await messaging.json()).toEqual({ changed: 2 });
	expect((await (await admin.get(`/api/v1/groups/${b.id}`)).json()).messagingEnabled).toBe(false);
	const unknown = await admin.post('/api/v1/groups/messaging', {
		data: { groupIds: [a.id, RANDOM_ID], enabled: true }
	});
	expect(unknown.status()).toBe(404);
	expect((await (await admin.get(`/api/v1/groups/${a.id}`)).json()).messagingEnabled).toBe(false);
});

test('a CSV of groups is previewed, then applied; memberships follow; both export as CSV', async () => {
	const groupsCsv = [
		'name,idnumber,parent_idnumber,kind,description',
		`Imported year ${RUN},imp-${RUN},,cohort,From a file`,
		`Imported class ${RUN},imp-${RUN}-a,imp-${RUN},team,"Comma, quoted"`
	].join('\n');
	const importPath = `/api/v1/organisations/${NORTHFIELD_ID}/groups/import`;
	const csvHeaders = { 'content-type': 'text/csv' };

	const dryRun = await admin.post(`${importPath}?dryRun=true`, {
		data: groupsCsv,
		headers: csvHeaders
	});
	expect(dryRun.status()).toBe(200);
	expect(await dryRun.json()).toMatchObject({
		applied: false,
		blocked: false,
		counts: { create: 2, error: 0 }
	});
	const tree = `/api/v1/organisations/${NORTHFIELD_ID}/groups?search=imported`;
	expect((await (await admin.get(tree)).json()).items).toEqual([]);

	const applied = await admin.post(importPath, { data: groupsCsv, headers: csvHeaders });
	expect(await applied.json()).toMatchObject({ applied: true, counts: { create: 2 } });
	const created = (await (await admin.get(tree)).json()).items;
	expect(
		created.map((node: { idnumber: string; depth: number }) => [node.idnumber, node.depth])
	).toEqual([
		[`imp-${RUN}`, 0],
		[`imp-${RUN}-a`, 1]
	]);

	const twice = await admin.post(importPath, { data: groupsCsv, headers: csvHeaders });
	expect(await twice.json()).toMatchObject({ applied: false, blocked: true, counts: { error: 2 } });

	const membershipsPath = `/api/v1/organisations/${NORTHFIELD_ID}/memberships/import`;
	const membershipsCsv = `group_idnumber,email,role\nimp-${RUN}-a,${MAYA.email},leader\nimp-${RUN}-a,ghost@learners.test,member\n`;
	const membershipPreview = await admin.post(`${membershipsPath}?dryRun=true`, {
		data: membershipsCsv,
		headers: csvHeaders
	});
	expect(await membershipPreview.json()).toMatchObject({
		applied: false,
		counts: { add: 1, error: 1 }
	});
	const membershipApplied = await admin.post(membershipsPath, {
		data: membershipsCsv,
		headers: csvHeaders
	});
	expect(await membershipApplied.json()).toMatchObject({ applied: true, counts: { add: 1 } });

	const groupsExport = await admin.get(`/api/v1/organisations/${NORTHFIELD_ID}/groups/export`);
	expect(groupsExport.status()).toBe(200);
	expect(groupsExport.headers()['content-type']).toMatch(/^text\/csv/);
	expect(groupsExport.headers()['content-disposition']).toBe(
		'attachment; filename="northfield-groups.csv"'
	);
	const groupsText = await groupsExport.text();
	expect(groupsText.split(/\r?\n/)[0]).toBe(
		'name,idnumber,description,parent_idnumber,kind,path,direct_members,effective_members'
	);
	expect(groupsText).toContain(
		`Imported class ${RUN},imp-${RUN}-a,"Comma, quoted",imp-${RUN},team`
	);

	const membershipsExport = await admin.get(
		`/api/v1/organisations/${NORTHFIELD_ID}/memberships/export`
	);
	expect(membershipsExport.headers()['content-type']).toMatch(/^text\/csv/);
	expect(await membershipsExport.text()).toContain(
		`imp-${RUN}-a,Imported class ${RUN},${MAYA.email}`
	);

	const notCsv = await admin.post(importPath, { data: { rows: [] } });
	expect(notCsv.status()).toBe(415);
	expectErrorShape(await notCsv.json(), 'unsupported_media_type');
});

test("a learner's token cannot tell a members-only group from one that does not exist", async () => {
	const secret = await createGroup(admin, {
		organisationId: NORTHFIELD_ID,
		name: `Staff room ${RUN}`,
		visibility: 'members'
	});
	for (const id of [secret.id, RANDOM_ID, 'not-a-uuid']) {
		for (const path of [
			`/api/v1/groups/${id}`,
			`/api/v1/groups/${id}/members`,
			`/api/v1/groups/${id}/delete-preview`,
			`/api/v1/groups/${id}/invites`
		]) {
			const response = await maya.get(path);
			expect(response.status(), path).toBe(404);
			expect(await response.json(), path).toEqual(NOT_FOUND);
		}
	}
	const rename = await maya.patch(`/api/v1/groups/${secret.id}`, { data: { name: 'Mine now' } });
	expect(rename.status()).toBe(404);
	expect(await rename.json()).toEqual(NOT_FOUND);
	const join = await maya.post(`/api/v1/groups/${secret.id}/members`, {
		data: { userIds: [MAYA_ID] }
	});
	expect(await join.json()).toEqual(NOT_FOUND);
	expect((await (await admin.get(`/api/v1/groups/${secret.id}`)).json()).name).toBe(
		`Staff room ${RUN}`
	);
});

test('an invitation is created by an admin and redeemed by a learner, once', async () => {
	const group = await createGroup(admin, {
		organisationId: NORTHFIELD_ID,
		name: `Invited ${RUN}`,
		membershipMode: 'invite'
	});
	const invites = `/api/v1/groups/${group.id}/invites`;
	const created = await admin.post(invites, { data: { maxUses: 1, expiresInDays: 7 } });
	expect(created.status()).toBe(201);
	const invite = await created.json();
	expect(invite).toEqual({
		id: expect.any(String),
		token: expect.any(String),
		path: expect.stringMatching(/^\/invite\//),
		emailed: false
	});

	const boundToSomeoneElse = await (
		await admin.post(invites, { data: { email: 'someone.else@learners.test' } })
	).json();
	const refused = await maya.post('/api/v1/invites/redeem', {
		data: { token: boundToSomeoneElse.token }
	});
	expect(refused.status()).toBe(404);
	expectErrorShape(await refused.json(), 'invalid_invite');

	const redeemed = await maya.post('/api/v1/invites/redeem', { data: { token: invite.token } });
	expect(redeemed.status()).toBe(200);
	expect(await redeemed.json()).toEqual({ groupId: group.id, joined: true });
	expect(await (await maya.get(`/api/v1/groups/${group.id}`)).json()).toMatchObject({
		isMember: true
	});
	const usedUp = await olivia.post('/api/v1/invites/redeem', { data: { token: invite.token } });
	expect(usedUp.status()).toBe(404);

	const listed = await (await admin.get(invites)).json();
	expect(listed.items).toContainEqual(
		expect.objectContaining({ id: invite.id, uses: 1, maxUses: 1 })
	);
	expect((await maya.delete(`/api/v1/invites/${boundToSomeoneElse.id}`)).status()).toBe(404);
	expect((await admin.delete(`/api/v1/invites/${boundToSomeoneElse.id}`)).status()).toBe(204);
	expect((await (await admin.get(invites)).json()).items).toContainEqual(
		expect.objectContaining({ id: boundToSomeoneElse.id, revokedAt: expect.any(String) })
	);
	const empty = await maya.post('/api/v1/invites/redeem', { data: {} });
	expect(empty.status()).toBe(400);
	expectErrorShape(await empty.json(), 'invalid_input');
});

test('a learner joins an open course group, leaves it, and asks to join another', async () => {
	const open = await createGroup(admin, {
		courseId: BIO101_ID,
		name: `Study circle ${RUN}`,
		visibility: 'scope',
		membershipMode: 'open'
	});
	expect(open).toMatchObject({ scope: 'course', courseId: BIO101_ID });
	const joined = await maya.post(`/api/v1/groups/${open.id}/join`);
	expect(joined.status()).toBe(200);
	expect(await joined.json()).toEqual({ joined: true });
	expect((await maya.post(`/api/v1/groups/${open.id}/leave`)).status()).toBe(204);

	const byRequest = await createGroup(admin, {
		courseId: BIO101_ID,
		name: `Honours ${RUN}`,
		visibility: 'scope',
		membershipMode: 'request'
	});
	const notOpen = await maya.post(`/api/v1/groups/${byRequest.id}/join`);
	expect(notOpen.status()).toBe(403);
	expectErrorShape(await notOpen.json(), 'not_open');

	const asked = await maya.post(`/api/v1/groups/${byRequest.id}/requests`, {
		data: { message: 'I would like to join.' }
	});
	expect(asked.status()).toBe(201);
	const { id: requestId } = await asked.json();
	expect((await maya.get(`/api/v1/groups/${byRequest.id}/requests`)).status()).toBe(404);
	const pending = await (await admin.get(`/api/v1/groups/${byRequest.id}/requests`)).json();
	expect(pending.items).toEqual([
		expect.objectContaining({ id: requestId, userId: MAYA_ID, message: 'I would like to join.' })
	]);
	const decided = await admin.post(`/api/v1/groups/${byRequest.id}/requests/decide`, {
		data: { requestIds: [requestId], approve: true }
	});
	expect(await decided.json()).toEqual({ decided: 1 });
	expect((await (await maya.get(`/api/v1/groups/${byRequest.id}`)).json()).isMember).toBe(true);

	const courseTree = await (
		await maya.get(`/api/v1/courses/${BIO101_ID}/groups?search=${RUN}`)
	).json();
	expect(courseTree.items.map((node: { id: string }) => node.id).sort()).toEqual(
		[open.id, byRequest.id].sort()
	);
});

test('the starter hierarchy is created once per organisation', async () => {
	const created = await admin.post('/api/v1/organisations', {
		data: { name: `Starter College ${RUN}`, slug: `starter-${RUN}` }
	});
	const organisation = await created.json();
	const starter = `/api/v1/organisations/${organisation.id}/groups/starter`;
	const applied = await admin.post(starter, { data: { intakes: ['September', 'January'] } });
	expect(applied.status()).toBe(201);
	expect(await applied.json()).toEqual({ created: 8 });
	const tree = await (await admin.get(`/api/v1/organisations/${organisation.id}/groups`)).json();
	expect(
		tree.items
			.filter((node: { depth: number }) => node.depth === 0)
			.map((node: { name: string }) => node.name)
	).toEqual(['Learners', 'Staff']);
	expect(
		tree.items.filter(
			(node: { kind: string; depth: number }) => node.kind === 'cohort' && node.depth === 1
		)
	).toHaveLength(2);
	const again = await admin.post(starter, { data: {} });
	expect(again.status()).toBe(409);
	expectErrorShape(await again.json(), 'template_exists');
});

test('bad input to the group endpoints keeps the error shape and names the field', async () => {
	const nameless = await admin.post('/api/v1/groups', {
		data: { organisationId: NORTHFIELD_ID, visibility: 'everyone' }
	});
	expect(nameless.status()).toBe(400);
	const body = await nameless.json();
	expectErrorShape(body, 'invalid_input');
	expect(body.error.issues.map((issue: { path: string }) => issue.path).sort()).toEqual([
		'name',
		'visibility'
	]);

	const taken = await admin.post('/api/v1/groups', {
		data: { organisationId: NORTHFIELD_ID, name: 'Twin', idnumber: `twin-${RUN}` }
	});
	expect(taken.status()).toBe(201);
	const twin = await admin.post('/api/v1/groups', {
		data: { organisationId: NORTHFIELD_ID, name: 'Twin', idnumber: `twin-${RUN}` }
	});
	expect(twin.status()).toBe(409);
	expect((await twin.json()).error).toMatchObject({
		code: 'idnumber_taken',
		issues: [expect.objectContaining({ path: 'idnumber' })]
	});

	const badIds = await admin.post('/api/v1/groups/messaging', {
		data: { groupIds: ['x'], enabled: 'yes' }
	});
	expect(badIds.status()).toBe(400);
	expect(
		(await badIds.json()).error.issues.map((issue: { path: string }) => issue.path).sort()
	).toEqual(['enabled', 'groupIds.0']);

	const members = await admin.get(`/api/v1/groups/${RANDOM_ID}/members?only=everyone`);
	expect(members.status()).toBe(400);
	expectErrorShape(await members.json(), 'invalid_input');

	const emptyAdd = await admin.post(`/api/v1/groups/${(await taken.json()).id}/members`, {
		data: {}
	});
	expect(emptyAdd.status()).toBe(400);
	expectErrorShape(await emptyAdd.json(), 'empty_list');

	const wrongMethod = await admin.put('/api/v1/groups/messaging', { data: {} });
	expect(wrongMethod.status()).toBe(405);
	expect(wrongMethod.headers()['allow']).toBe('POST');
	expectErrorShape(await wrongMethod.json(), 'method_not_allowed');
});
