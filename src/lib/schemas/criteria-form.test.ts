import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { criteria as criteriaSchema } from '$lib/schemas/learner-groups';
import {
	criteriaOf,
	describeCriteria,
	draftsFromCriteria,
	draftsFromForm,
	emptyDraft,
	isComplete,
	type CriterionDraft
} from './criteria-form';
import { learnerGroupInputFrom } from './learner-group-form';

const ACTIVITY = '11111111-1111-4111-8111-111111111111';
const GROUP = '22222222-2222-4222-8222-222222222222';

function form(fields: Record<string, string>) {
	const data = new FormData();
	for (const [key, value] of Object.entries(fields)) data.set(key, value);
	return data;
}

const filled: CriterionDraft[] = [
	{ ...emptyDraft('enrolled'), when: 'after', date: '2026-09-01' },
	{ ...emptyDraft('progress'), op: 'above', percent: '62.5' },
	{ ...emptyDraft('completed'), activityId: ACTIVITY },
	{ ...emptyDraft('completed'), activityId: 'any', negate: true },
	{ ...emptyDraft('score'), activityId: ACTIVITY, op: 'below', value: '4' },
	{ ...emptyDraft('inactive'), days: '14' },
	{ ...emptyDraft('member'), groupId: GROUP, negate: true },
	{ ...emptyDraft('enrolment'), role: 'learner', status: 'suspended' }
];

describe('the learner-group criteria form', () => {
	it.each(filled.map((draft) => [draft.type + (draft.negate ? ' (negated)' : ''), draft] as const))(
		'turns a filled %s criterion into a document the schema accepts and back',
		(_name, draft) => {
			const parsed = v.parse(criteriaSchema, criteriaOf([draft, emptyDraft()]));
			expect(parsed.all).toHaveLength(1);
			expect(parsed.all[0].type).toBe(draft.type);
			expect(parsed.all[0].negate).toBe(draft.negate);
			expect(isComplete(draft)).toBe(true);
			const [again, second] = draftsFromCriteria(parsed as never);
			expect(second.type).toBe('');
			expect(criteriaOf([again])).toEqual(criteriaOf([draft]));
		}
	);

	it('joins two criteria by AND and reads them from a posted form, negation included', () => {
		const data = form({
			name: '  Quiet and behind ',
			refreshMode: 'static',
			cadenceMinutes: '60',
			c0_type: 'inactive',
			c0_days: '10',
			c1_type: 'progress',
			c1_op: 'below',
			c1_percent: '50',
			c1_negate: 'on'
		});
		const { input } = learnerGroupInputFrom(data);
		expect(v.parse(criteriaSchema, input.criteria)).toEqual({
			all: [
				{ type: 'inactive', days: 10, negate: false },
				{ type: 'progress', op: 'below', percent: 50, negate: true }
			]
		});
		expect(describeCriteria(input.criteria as never, { activities: [], groups: [] })).toBe(
			'inactive for at least 10 days AND NOT progress below 50%'
		);
	});

	it('leaves out a second criterion without a type, and ignores fields of other types', () => {
		const drafts = draftsFromForm(
			form({ c0_type: 'completed', c0_activityId: 'any', c0_percent: '99', c1_type: '' })
		);
		expect(criteriaOf(drafts)).toEqual({
			all: [{ type: 'completed', negate: false, activityId: 'any' }]
		});
	});

	it('holds the preview back until a criterion has what it needs', () => {
		expect(isComplete(emptyDraft())).toBe(false);
		expect(isComplete(emptyDraft('progress'))).toBe(false);
		expect(isComplete(emptyDraft('enrolled'))).toBe(false);
		expect(isComplete({ ...emptyDraft('enrolment') })).toBe(false);
		expect(isComplete({ ...emptyDraft('score'), activityId: ACTIVITY })).toBe(false);
	});

	it('rejects what the schema rejects: a percentage over 100, three criteria', () => {
		const over = criteriaOf([{ ...emptyDraft('progress'), percent: '101' }]);
		expect(v.safeParse(criteriaSchema, over).success).toBe(false);
		const three = {
			all: [...criteriaOf(filled.slice(0, 2)).all, criteriaOf(filled.slice(5, 6)).all[0]]
		};
		expect(v.safeParse(criteriaSchema, three).success).toBe(false);
	});

	it('names activities and groups, and never leaks an id for one the viewer cannot see', () => {
		const text = describeCriteria(
			criteriaOf([
				{ ...emptyDraft('score'), activityId: ACTIVITY, op: 'above', value: '7' },
				{ ...emptyDraft('member'), groupId: GROUP, negate: true }
			]) as never,
			{ activities: [{ id: ACTIVITY, name: 'Quiz 1' }], groups: [] }
		);
		expect(text).toBe('scored above 7 on “Quiz 1” AND NOT member of “a group you cannot see”');
		expect(text).not.toContain(GROUP);
	});
});
