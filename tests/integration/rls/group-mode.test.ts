import { beforeAll, describe } from 'vitest';
import type { Tx } from '$lib/server/db';
import { ownerDb } from '../helpers';
import {
	changeMatrix,
	idOf,
	groupRlsCast,
	visibilityMatrix,
	type GroupCast,
	type Who
} from './group-matrix';

// What a course's group mode lets its participants see of its groups, straight at the database
// with the claims the app sets. Course C is linked to cohort G, so learnerG, learnerG1,
// learnerG1a, leaderG and leaderG1 are its learners; learnerH, leaderH and the outsider are
// members of the organisation, not of C. C's groups, all made with the default visibility
// `members` unless named: Lab A (learnerG), Lab B (learnerG1; leaderG1 leads it), Quiet (`own`:
// learnerG1), Staff room (hidden: learnerG), Notice board (`scope`: learnerG1a), Open lab (open,
// nobody in it).

type ModeCast = GroupCast & { c: Record<string, string> };
let cast: ModeCast;
const getCast = () => cast;
const label = new Map<string, string>();

async function courseGroup(name: string, extra: Record<string, unknown> = {}) {
	const [row] = await ownerDb()<{ id: string }[]>`
		insert into public.groups ${ownerDb()({
			scope: 'course',
			organisation_id: cast.org,
			course_id: cast.course,
			name,
			...extra
		})} returning id`;
	label.set(row.id, name);
	return row.id;
}

beforeAll(async () => {
	cast = { ...(await groupRlsCast()), c: {} };
	const p = cast.people;
	cast.c = {
		labA: await courseGroup('labA'),
		labB: await courseGroup('labB'),
		quiet: await courseGroup('quiet', { visibility: 'own' }),
		staffRoom: await courseGroup('staffRoom', { visibility: 'hidden' }),
		notice: await courseGroup('notice', { visibility: 'scope' }),
		openLab: await courseGroup('openLab', { membership_mode: 'open' })
	};
	const c = cast.c;
	await ownerDb()`
		insert into public.group_members (group_id, user_id, role)
		values (${c.labA}, ${p.learnerG.id}, 'member'), (${c.labB}, ${p.learnerG1.id}, 'member'),
		       (${c.labB}, ${p.leaderG1.id}, 'leader'), (${c.quiet}, ${p.learnerG1.id}, 'member'),
		       (${c.staffRoom}, ${p.learnerG.id}, 'member'),
		       (${c.notice}, ${p.learnerG1a.id}, 'member')`;
	for (const [name, user] of Object.entries(p)) label.set(user.id, name);
});

const setMode = (mode: string) => () =>
	ownerDb()`update public.courses set group_mode = ${mode} where id = ${cast.course}`;

const groupsSeen = async (tx: Tx) =>
	(await tx<{ id: string }[]>`select id from public.groups where course_id = ${cast.course}`).map(
		(row) => label.get(row.id) ?? row.id
	);

const membershipsSeen = async (tx: Tx) =>
	(
		await tx<{ group_id: string; user_id: string }[]>`
			select m.group_id, m.user_id from public.group_members m
			where m.group_id = any(${Object.values(cast.c)}::uuid[])`
	).map((row) => `${label.get(row.group_id)}:${label.get(row.user_id)}`);

const ALL_GROUPS = ['labA', 'labB', 'quiet', 'staffRoom', 'notice', 'openLab'];
const ALL_MEMBERSHIPS = [
	'labA:learnerG',
	'labB:learnerG1',
	'labB:leaderG1',
	'quiet:learnerG1',
	'staffRoom:learnerG',
	'notice:learnerG1a'
];
const NOBODY = { anon: [], learnerH: [], leaderH: [], outsider: [], otherOrgAdmin: [] };
const STAFF = {
	instructor: ALL_GROUPS,
	orgAdmin: ALL_GROUPS,
	platformAdmin: ALL_GROUPS
};
const STAFF_MEMBERSHIPS = {
	instructor: ALL_MEMBERSHIPS,
	orgAdmin: ALL_MEMBERSHIPS,
	platformAdmin: ALL_MEMBERSHIPS
};

describe('visible groups mode', () => {
	beforeAll(setMode('visible'));
	const every = ['labA', 'labB', 'quiet', 'notice', 'openLab'];
	visibilityMatrix({
		cast: getCast,
		what: "of C's groups (every non-hidden one)",
		expected: {
			...NOBODY,
			...STAFF,
			learnerG: every,
			learnerG1: every,
			leaderG: every,
			leaderG1: every
		},
		visible: groupsSeen
	});
	const roster = ['labA:learnerG', 'labB:learnerG1', 'labB:leaderG1', 'notice:learnerG1a'];
	visibilityMatrix({
		cast: getCast,
		what: "of C's memberships (all but the `own` and hidden groups', and their own)",
		expected: {
			...NOBODY,
			...STAFF_MEMBERSHIPS,
			learnerG: roster,
			learnerG1: [...roster, 'quiet:learnerG1'],
			leaderG: roster,
			leaderG1: roster
		},
		visible: membershipsSeen
	});
});

describe('separate groups mode', () => {
	beforeAll(setMode('separate'));
	visibilityMatrix({
		cast: getCast,
		what: "of C's groups (their own, and the open one)",
		expected: {
			...NOBODY,
			...STAFF,
			learnerG: ['labA', 'openLab'],
			learnerG1: ['labB', 'quiet', 'openLab'],
			leaderG: ['openLab'],
			leaderG1: ['labB', 'openLab']
		},
		visible: groupsSeen
	});
	visibilityMatrix({
		cast: getCast,
		what: "of C's memberships (their own groups')",
		expected: {
			...NOBODY,
			...STAFF_MEMBERSHIPS,
			learnerG: ['labA:learnerG'],
			learnerG1: ['labB:learnerG1', 'labB:leaderG1', 'quiet:learnerG1'],
			leaderG: [],
			leaderG1: ['labB:learnerG1', 'labB:leaderG1']
		},
		visible: membershipsSeen
	});
});

describe('no groups mode', () => {
	beforeAll(setMode('none'));
	visibilityMatrix({
		cast: getCast,
		what: "of C's groups (as each group's visibility allows)",
		expected: {
			...NOBODY,
			...STAFF,
			learnerG: ['labA', 'notice', 'openLab'],
			learnerG1: ['labB', 'quiet', 'notice', 'openLab'],
			leaderG: ['notice', 'openLab'],
			leaderG1: ['labB', 'notice', 'openLab']
		},
		visible: groupsSeen
	});
	visibilityMatrix({
		cast: getCast,
		what: "of C's memberships (as each group's visibility allows)",
		expected: {
			...NOBODY,
			...STAFF_MEMBERSHIPS,
			learnerG: ['labA:learnerG', 'notice:learnerG1a'],
			learnerG1: ['labB:learnerG1', 'labB:leaderG1', 'quiet:learnerG1', 'notice:learnerG1a'],
			leaderG: ['notice:learnerG1a'],
			leaderG1: ['labB:learnerG1', 'labB:leaderG1', 'notice:learnerG1a']
		},
		visible: membershipsSeen
	});

	// An open course group is joined by the course's participants (and added to by its staff),
	// whatever its visibility short of hidden; nobody outside the course may.
	changeMatrix({
		cast: getCast,
		table: 'group_members',
		kind: 'insert',
		action: 'join the open course group themselves',
		allowed: [
			'learnerG',
			'learnerG1',
			'leaderG',
			'leaderG1',
			'instructor',
			'orgAdmin',
			'platformAdmin'
		] satisfies readonly Who[],
		statement: (c, who) => (tx: Tx) =>
			tx`insert into public.group_members (group_id, user_id, role, source)
			   values (${(c as ModeCast).c.openLab}, ${idOf(c, who)}, 'member', 'self')`
	});
});
