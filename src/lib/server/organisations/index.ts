import {
	organisationCapabilitiesOf,
	requireAccess,
	type OrganisationCapabilities
} from '$lib/server/access';
import { isPgError, PG, readAs, withUser, type Actor, type Via } from '$lib/server/db';
import { conflict, DomainError, notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/organisations';

export type Organisation = {
	id: string;
	name: string;
	slug: string;
	description: string;
	/** Whether learners may direct-message other learners (staff, leaders and admins always may). */
	learnersMessageLearners: boolean;
	learnersSeeEmails: boolean;
	createdAt: Date;
	courseCount: number;
	memberCount: number;
	myRole: 'admin' | 'member' | null;
};

export type OrganisationMember = {
	userId: string;
	email: string;
	displayName: string;
	role: 'admin' | 'member';
	addedAt: Date;
};

const organisationColumns = (tx: Parameters<Parameters<typeof withUser>[1]>[0]) => tx`
	o.id, o.name, o.slug, o.description, o.learners_message_learners as "learnersMessageLearners",
	o.learners_see_emails as "learnersSeeEmails",
	o.created_at as "createdAt",
	(select count(*)::int from public.courses c where c.organisation_id = o.id) as "courseCount",
	(select count(*)::int from public.organisation_members m where m.organisation_id = o.id) as "memberCount",
	(select m.role from public.organisation_members m
	 where m.organisation_id = o.id and m.user_id = (select auth.uid())) as "myRole"`;

export function list(actor: Actor): Promise<Organisation[]> {
	return readAs(
		actor,
		(tx) =>
			tx<
				Organisation[]
			>`select ${organisationColumns(tx)} from public.organisations o order by o.name collate public.natural`
	);
}

/** By id or by slug. */
export async function get(actor: Actor, idOrSlug: string): Promise<Organisation> {
	const isId = isUuid(idOrSlug);
	const [row] = await readAs(
		actor,
		(tx) => tx<Organisation[]>`
			select ${organisationColumns(tx)} from public.organisations o
			where ${isId ? tx`o.id = ${idOrSlug}::uuid` : tx`o.slug = ${idOrSlug.toLowerCase()}`}`
	);
	if (!row) throw notFound();
	return row;
}

/** What the actor may do with the organisation: the page's flags, from the database's rules. */
export function capabilities(
	actor: Actor,
	organisationId: string
): Promise<OrganisationCapabilities> {
	return readAs(actor, (tx) => organisationCapabilitiesOf(tx, organisationId));
}

export async function create(
	actor: Actor,
	input: unknown,
	via: Via = 'app'
): Promise<Organisation> {
	const data = parse(schemas.organisationCreate, input);
	try {
		return await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'platform.admin', actor?.id ?? '');
				const [row] = await tx<{ id: string }[]>`
					insert into public.organisations (name, slug, description, created_by)
					values (${data.name}, ${data.slug}, ${data.description}, ${actor?.id ?? null})
					returning id`;
				const [organisation] = await tx<Organisation[]>`
					select ${organisationColumns(tx)} from public.organisations o where o.id = ${row.id}`;
				return organisation;
			},
			via
		);
	} catch (error) {
		if (isPgError(error, PG.uniqueViolation)) {
			throw new DomainError(
				409,
				'slug_taken',
				`The address "${data.slug}" is taken. Choose another.`,
				[{ path: 'slug', message: 'This address is taken.' }]
			);
		}
		throw error;
	}
}

export async function update(
	actor: Actor,
	organisationId: string,
	input: unknown,
	via: Via = 'app'
) {
	const data = parse(schemas.organisationCreate, input);
	try {
		await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'organisation.manage', organisationId);
				await tx`
					update public.organisations
					set name = ${data.name}, slug = ${data.slug}, description = ${data.description}
					where id = ${organisationId}`;
			},
			via
		);
	} catch (error) {
		if (isPgError(error, PG.uniqueViolation)) {
			throw conflict(`The address "${data.slug}" is taken.`);
		}
		throw error;
	}
}

/**
 * Organisation admins let learners see other learners' email addresses, or not (the database's
 * rule, private.visible_emails, reads it). Staff, leaders and admins always see them.
 */
export async function setEmailVisibility(
	actor: Actor,
	organisationId: string,
	input: unknown,
	via: Via = 'app'
): Promise<{ learnersSeeEmails: boolean }> {
	const data = parse(schemas.organisationEmailVisibility, input);
	if (!isUuid(organisationId)) throw notFound();
	await withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'organisation.manage', organisationId);
			await tx`
				update public.organisations set learners_see_emails = ${data.learnersSeeEmails}
				where id = ${organisationId}`;
		},
		via
	);
	return data;
}

/** Organisation admins turn learner-to-learner direct messages on or off (the database's rule reads it). */
export async function setMessaging(
	actor: Actor,
	organisationId: string,
	input: unknown,
	via: Via = 'app'
): Promise<{ learnersMessageLearners: boolean }> {
	const data = parse(schemas.organisationMessaging, input);
	if (!isUuid(organisationId)) throw notFound();
	await withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'organisation.manage', organisationId);
			await tx`
				update public.organisations set learners_message_learners = ${data.learnersMessageLearners}
				where id = ${organisationId}`;
		},
		via
	);
	return data;
}

export function listMembers(actor: Actor, organisationId: string): Promise<OrganisationMember[]> {
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'organisation.manage', organisationId);
		return tx<OrganisationMember[]>`
			select m.user_id as "userId", ve.email, u.display_name as "displayName", m.role, m.added_at as "addedAt"
			from public.organisation_members m join public.users u on u.id = m.user_id
			left join private.visible_emails() ve on ve.user_id = u.id
			where m.organisation_id = ${organisationId}
			order by m.role, lower(u.display_name)`;
	});
}

/**
 * Adds a person by email. Only platform admins name organisation admins (RLS enforces it too);
 * adding someone who is already a member changes their role.
 */
export async function addMember(
	actor: Actor,
	organisationId: string,
	input: unknown,
	via: Via = 'app'
) {
	const { email, role } = parse(schemas.organisationMemberAdd, input);
	return withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'organisation.manage', organisationId);
			if (role === 'admin') await requireAccess(tx, 'platform.admin', actor?.id ?? '');
			const [user] = await tx<{ id: string }[]>`
				select id from private.user_ids_by_email(${[email]}::text[])`;
			if (!user) {
				throw new DomainError(
					404,
					'unknown_email',
					// The same whether or not an account has this email: the admin cannot see them.
					`Nobody you can see uses ${email}. Invite them to one of the organisation’s groups or courses: accepting makes them one of its people.`,
					[{ path: 'email', message: 'Nobody you can see uses this email.' }]
				);
			}
			await tx`
				insert into public.organisation_members (organisation_id, user_id, role, added_by)
				values (${organisationId}, ${user.id}, ${role}, ${actor?.id ?? null})
				on conflict (organisation_id, user_id) do update set role = excluded.role
				where public.organisation_members.role is distinct from excluded.role`;
			return { userId: user.id };
		},
		via
	);
}

export async function removeMember(
	actor: Actor,
	organisationId: string,
	userId: string,
	via: Via = 'app'
) {
	if (!isUuid(userId)) throw notFound();
	await withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'organisation.manage', organisationId);
			const rows = await tx`
				delete from public.organisation_members
				where organisation_id = ${organisationId} and user_id = ${userId} returning user_id`;
			if (rows.length === 0) throw notFound();
		},
		via
	);
}
