import * as v from 'valibot';
import { requireAccess } from '$lib/server/access';
import { withUser, type Actor, type Via } from '$lib/server/db';
import { DomainError } from '$lib/server/errors';
import { parse } from '$lib/server/validate';

type TemplateNode = {
	name: string;
	kind: string;
	visibility: 'scope' | 'members' | 'own' | 'hidden';
	children?: TemplateNode[];
};

/** The starter hierarchy: staff roles and one learner group per intake, all editable afterwards. */
export function starterTemplate(intakes: string[]): TemplateNode[] {
	return [
		{
			name: 'Staff',
			kind: 'staff',
			visibility: 'members',
			children: ['Instructors', 'Teaching assistants', 'Mentors', 'Moderators'].map((name) => ({
				name,
				kind: 'staff',
				visibility: 'members' as const
			}))
		},
		{
			name: 'Learners',
			kind: 'cohort',
			visibility: 'members',
			children: intakes.map((name) => ({ name, kind: 'cohort', visibility: 'members' as const }))
		}
	];
}

export const starterInput = v.strictObject({
	intakes: v.optional(
		v.pipe(
			v.array(
				v.pipe(v.string(), v.trim(), v.nonEmpty('An intake needs a name.'), v.maxLength(200))
			),
			v.maxLength(50, 'Add at most 50 intakes at once.')
		),
		[]
	)
});

/** Creates the starter hierarchy in an organisation in one transaction. */
export async function applyStarter(
	actor: Actor,
	organisationId: string,
	raw: unknown,
	via: Via = 'app'
) {
	const { intakes } = parse(starterInput, raw);
	const year = new Date().getFullYear();
	const names = intakes.length > 0 ? intakes : [`Intake ${year} Spring`, `Intake ${year} Autumn`];
	return withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'organisation.manage', organisationId);
			const [{ clash }] = await tx<{ clash: boolean }[]>`
				select exists (select 1 from public.groups where organisation_id = ${organisationId}
				  and scope = 'organisation' and parent_id is null and name in ('Staff', 'Learners')) as clash`;
			if (clash) {
				throw new DomainError(
					409,
					'template_exists',
					'This organisation already has top-level "Staff" or "Learners" groups.'
				);
			}
			const created: string[] = [];
			const insert = async (node: TemplateNode, parentId: string | null) => {
				const id = crypto.randomUUID();
				await tx`
					insert into public.groups (id, scope, organisation_id, parent_id, kind, name, visibility, created_by)
					values (${id}, 'organisation', ${organisationId}, ${parentId}, ${node.kind}, ${node.name}, ${node.visibility}, ${actor?.id ?? null})`;
				created.push(id);
				for (const child of node.children ?? []) await insert(child, id);
			};
			for (const node of starterTemplate(names)) await insert(node, null);
			return { created: created.length };
		},
		via
	);
}
