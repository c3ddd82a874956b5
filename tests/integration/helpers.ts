import postgres from 'postgres';
import type { Actor } from '$lib/server/db';

let admin: postgres.Sql | undefined;

/** The test database as its owner (superuser): for fixtures and for checking what was stored. */
export function ownerDb(): postgres.Sql {
	admin ??= postgres(process.env.TESSERA_TEST_ADMIN_URL!, { max: 4, onnotice: () => {} });
	return admin;
}

export async function closeAdmin() {
	await admin?.end();
	admin = undefined;
}

// argon2id of "correct horse battery", so fixtures can sign in without hashing per user.
export const FIXTURE_PASSWORD = 'correct horse battery';
const FIXTURE_HASH =
	'$argon2id$v=19$m=19456,t=2,p=1$rYzdhZn7fcBLTLbMPkSuWg$5c2RGG+7i/5DM9lOSQsgtiKDvBtHF4F+II9dBZ3thpM';

export type TestUser = { id: string; email: string; displayName: string };

let counter = 0;
function unique(prefix: string) {
	counter += 1;
	return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 7)}`;
}

/** A person; `memberOf` makes them a member of that organisation (its groups take only its people). */
export async function createUser(
	options: { name?: string; email?: string; admin?: boolean; memberOf?: string } = {}
): Promise<TestUser> {
	const name = options.name ?? unique('Person');
	const email = (options.email ?? `${unique('user')}@example.test`).toLowerCase();
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.users (email, display_name, platform_role)
		values (${email}, ${name}, ${options.admin ? 'admin' : 'user'}) returning id`;
	await ownerDb()`insert into public.user_passwords (user_id, hash) values (${row.id}, ${FIXTURE_HASH})`;
	if (options.memberOf) {
		await ownerDb()`
			insert into public.organisation_members (organisation_id, user_id) values (${options.memberOf}, ${row.id})`;
	}
	return { id: row.id, email, displayName: name };
}

export async function createOrganisation(
	name = unique('Org')
): Promise<{ id: string; slug: string; name: string }> {
	const slug = name
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-|-$/g, '');
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.organisations (name, slug) values (${name}, ${slug}) returning id`;
	return { id: row.id, slug, name };
}

export async function addOrganisationMember(
	organisationId: string,
	userId: string,
	role: 'admin' | 'member' = 'member'
) {
	await ownerDb()`
		insert into public.organisation_members (organisation_id, user_id, role) values (${organisationId}, ${userId}, ${role})`;
}

export async function createCourse(
	organisationId: string,
	code = unique('C')
): Promise<{ id: string; code: string }> {
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.courses (organisation_id, code, name) values (${organisationId}, ${code}, ${'Course ' + code})
		returning id`;
	return { id: row.id, code };
}

export async function enrol(
	courseId: string,
	userId: string,
	role: 'learner' | 'assistant' | 'instructor' = 'learner',
	status: 'active' | 'suspended' = 'active'
) {
	await ownerDb()`
		insert into public.enrolments (course_id, user_id, role, status) values (${courseId}, ${userId}, ${role}, ${status})`;
}

export function actor(user: TestUser): NonNullable<Actor> {
	return { id: user.id, email: user.email };
}

/**
 * The foundation cast: a platform admin, an organisation with its admin, a course with an
 * instructor, an assistant, two learners and a suspended learner, a second course with its own
 * learner, and a second organisation with its admin and course.
 */
export async function foundationCast() {
	const platformAdmin = await createUser({ name: 'Platform Admin', admin: true });
	const org = await createOrganisation();
	const otherOrg = await createOrganisation();
	const orgAdmin = await createUser({ name: 'Org Admin' });
	const otherOrgAdmin = await createUser({ name: 'Other Org Admin' });
	await addOrganisationMember(org.id, orgAdmin.id, 'admin');
	await addOrganisationMember(otherOrg.id, otherOrgAdmin.id, 'admin');
	const course = await createCourse(org.id);
	const otherCourse = await createCourse(org.id);
	const foreignCourse = await createCourse(otherOrg.id);
	const instructor = await createUser({ name: 'Instructor' });
	const assistant = await createUser({ name: 'Assistant' });
	const learner = await createUser({ name: 'Learner' });
	const fellow = await createUser({ name: 'Fellow Learner' });
	const suspended = await createUser({ name: 'Suspended Learner' });
	const otherLearner = await createUser({ name: 'Other Course Learner' });
	const foreignLearner = await createUser({ name: 'Foreign Learner' });
	const stranger = await createUser({ name: 'Stranger' });
	await enrol(course.id, instructor.id, 'instructor');
	await enrol(course.id, assistant.id, 'assistant');
	await enrol(course.id, learner.id);
	await enrol(course.id, fellow.id);
	await enrol(course.id, suspended.id, 'learner', 'suspended');
	await enrol(otherCourse.id, otherLearner.id);
	await enrol(foreignCourse.id, foreignLearner.id);
	return {
		platformAdmin,
		org,
		otherOrg,
		orgAdmin,
		otherOrgAdmin,
		course,
		otherCourse,
		foreignCourse,
		instructor,
		assistant,
		learner,
		fellow,
		suspended,
		otherLearner,
		foreignLearner,
		stranger
	};
}
