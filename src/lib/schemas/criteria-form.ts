/**
 * The learner-group criteria editor's plain state, shared by the browser (live preview) and the
 * form actions (no-JS submit). Values stay strings here; the valibot schema in
 * $lib/schemas/learner-groups turns them into a checked criteria document.
 */
export const CRITERION_TYPES = [
	{ value: 'enrolled', label: 'Enrolled before / after a date' },
	{ value: 'progress', label: 'Progress below / above a percentage' },
	{ value: 'completed', label: 'Completed an activity' },
	{ value: 'score', label: 'Scored below / above a value on an activity' },
	{ value: 'inactive', label: 'Inactive for at least N days' },
	{ value: 'member', label: 'Member of a group' },
	{ value: 'enrolment', label: 'Enrolment role or status' }
] as const;

export type CriterionType = (typeof CRITERION_TYPES)[number]['value'];

export type CriterionDraft = {
	type: CriterionType | '';
	negate: boolean;
	when: string;
	date: string;
	op: string;
	percent: string;
	activityId: string;
	value: string;
	days: string;
	groupId: string;
	role: string;
	status: string;
};

export const FIELDS = [
	'type',
	'when',
	'date',
	'op',
	'percent',
	'activityId',
	'value',
	'days',
	'groupId',
	'role',
	'status'
] as const;

export function emptyDraft(type: CriterionDraft['type'] = ''): CriterionDraft {
	return {
		type,
		negate: false,
		when: 'before',
		date: '',
		op: 'below',
		percent: '',
		activityId: 'any',
		value: '',
		days: '7',
		groupId: '',
		role: '',
		status: ''
	};
}

/** The fields one criterion of a type carries, in the shape the schema expects. */
export function criterionOf(draft: CriterionDraft): Record<string, unknown> {
	const base = { type: draft.type, negate: draft.negate };
	switch (draft.type) {
		case 'enrolled':
			return { ...base, when: draft.when, date: draft.date };
		case 'progress':
			return { ...base, op: draft.op, percent: draft.percent };
		case 'completed':
			return { ...base, activityId: draft.activityId || 'any' };
		case 'score':
			return { ...base, activityId: draft.activityId, op: draft.op, value: draft.value };
		case 'inactive':
			return { ...base, days: draft.days };
		case 'member':
			return { ...base, groupId: draft.groupId };
		case 'enrolment':
			return {
				...base,
				...(draft.role ? { role: draft.role } : {}),
				...(draft.status ? { status: draft.status } : {})
			};
		default:
			return base;
	}
}

/** The criteria document of one or two drafts (a second draft without a type is left out). */
export function criteriaOf(drafts: CriterionDraft[]) {
	return { all: drafts.filter((d, i) => i === 0 || d.type !== '').map(criterionOf) };
}

/** Drafts from a form posted without JavaScript: fields c0_type, c0_negate, … and c1_…. */
export function draftsFromForm(data: FormData): CriterionDraft[] {
	return [0, 1].map((index) => {
		const draft = emptyDraft();
		for (const field of FIELDS) {
			const value = data.get(`c${index}_${field}`);
			if (typeof value === 'string') (draft as Record<string, unknown>)[field] = value.trim();
		}
		draft.negate = data.get(`c${index}_negate`) === 'on';
		return draft;
	});
}

type Stored = { type: string; negate?: boolean } & Record<string, unknown>;

/** Drafts for editing a saved criteria document (always two, the second possibly empty). */
export function draftsFromCriteria(criteria: { all: Stored[] }): CriterionDraft[] {
	const drafts = criteria.all.slice(0, 2).map((c) => {
		const draft = emptyDraft(c.type as CriterionType);
		draft.negate = Boolean(c.negate);
		for (const field of FIELDS) {
			if (field === 'type' || c[field] === undefined) continue;
			const value = c[field];
			(draft as Record<string, unknown>)[field] =
				field === 'date' && typeof value === 'string' ? value.slice(0, 10) : String(value);
		}
		return draft;
	});
	while (drafts.length < 2) drafts.push(emptyDraft());
	return drafts;
}

/** One criterion in words, e.g. "NOT completed any activity". */
export function describeCriterion(
	c: Stored,
	names: { activities: Map<string, string>; groups: Map<string, string> }
): string {
	const activity = (id: unknown) =>
		id === 'any' ? 'any activity' : `“${names.activities.get(String(id)) ?? 'a removed activity'}”`;
	let text: string;
	switch (c.type) {
		case 'enrolled':
			text = `enrolled ${c.when} ${String(c.date).slice(0, 10)}`;
			break;
		case 'progress':
			text = `progress ${c.op} ${c.percent}%`;
			break;
		case 'completed':
			text = `completed ${activity(c.activityId)}`;
			break;
		case 'score':
			text = `scored ${c.op} ${c.value} on ${activity(c.activityId)}`;
			break;
		case 'inactive':
			text = `inactive for at least ${c.days} ${Number(c.days) === 1 ? 'day' : 'days'}`;
			break;
		case 'member':
			text = `member of “${names.groups.get(String(c.groupId)) ?? 'a group you cannot see'}”`;
			break;
		case 'enrolment':
			text = ['enrolled', c.role ? `as ${c.role}` : '', c.status ? `(${c.status})` : '']
				.filter(Boolean)
				.join(' ');
			break;
		default:
			text = c.type;
	}
	return c.negate ? `NOT ${text}` : text;
}

/** A whole criteria document in words, criteria joined by AND. */
export function describeCriteria(
	criteria: { all: Stored[] },
	catalogue: { activities: { id: string; name: string }[]; groups: { id: string; name: string }[] }
): string {
	const names = {
		activities: new Map(catalogue.activities.map((a) => [a.id, a.name])),
		groups: new Map(catalogue.groups.map((g) => [g.id, g.name]))
	};
	return criteria.all.map((c) => describeCriterion(c, names)).join(' AND ');
}

/** Whether a draft has every value its type needs (the preview waits until it does). */
export function isComplete(draft: CriterionDraft): boolean {
	switch (draft.type) {
		case 'enrolled':
			return draft.date !== '';
		case 'progress':
			return draft.percent !== '';
		case 'score':
			return draft.activityId !== '' && draft.value !== '';
		case 'inactive':
			return draft.days !== '';
		case 'member':
			return draft.groupId !== '';
		case 'enrolment':
			return draft.role !== '' || draft.status !== '';
		case 'completed':
			return true;
		default:
			return false;
	}
}
