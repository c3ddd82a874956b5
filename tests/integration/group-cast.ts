import * as groups from '$lib/server/groups';
import * as memberships from '$lib/server/memberships';
import {
	actor,
	addOrganisationMember,
	createOrganisation,
	createUser,
	type TestUser
} from './helpers';

export type Cast = Awaited<ReturnType<typeof groupCast>>;

/**
 * The groups cast: organisation O with cohort G (sub-group G.1, and G.1.a below it) and sibling
 * H; a learner in each of G, G.1 and H; a leader of G, of G.1 and of H; the admin of O, the admin
 * of another organisation, and a platform admin.
 */
export async function groupCast() {
	const org = await createOrganisation();
	const otherOrg = await createOrganisation();
	const platformAdmin = await createUser({ name: 'Platform Admin', admin: true });
	const orgAdmin = await createUser({ name: 'Org Admin' });
	const otherOrgAdmin = await createUser({ name: 'Other Org Admin' });
	await addOrganisationMember(org.id, orgAdmin.id, 'admin');
	await addOrganisationMember(otherOrg.id, otherOrgAdmin.id, 'admin');
	const admin = actor(orgAdmin);
	const G = await groups.create(admin, {
		organisationId: org.id,
		name: 'Cohort 2026',
		kind: 'cohort',
		idnumber: 'C2026'
	});
	const G1 = await groups.create(admin, { parentId: G.id, name: 'Cohort 2026 — Group 1' });
	const G1a = await groups.create(admin, { parentId: G1.id, name: 'Study circle A' });
	const H = await groups.create(admin, {
		organisationId: org.id,
		name: 'Cohort 2025',
		kind: 'cohort'
	});
	const names = [
		'learnerG',
		'learnerG1',
		'learnerG1a',
		'learnerH',
		'leaderG',
		'leaderG1',
		'leaderH',
		'outsider'
	] as const;
	const people = {} as Record<(typeof names)[number], TestUser>;
	for (const name of names) {
		people[name] = await createUser({ name });
		await addOrganisationMember(org.id, people[name].id);
	}
	await memberships.add(admin, G.id, { userIds: [people.learnerG.id] });
	await memberships.add(admin, G1.id, { userIds: [people.learnerG1.id] });
	await memberships.add(admin, G1a.id, { userIds: [people.learnerG1a.id] });
	await memberships.add(admin, H.id, { userIds: [people.learnerH.id] });
	await memberships.add(admin, G.id, { userIds: [people.leaderG.id], role: 'leader' });
	await memberships.add(admin, G1.id, { userIds: [people.leaderG1.id], role: 'leader' });
	await memberships.add(admin, H.id, { userIds: [people.leaderH.id], role: 'leader' });
	return { org, otherOrg, platformAdmin, orgAdmin, otherOrgAdmin, G, G1, G1a, H, ...people };
}
