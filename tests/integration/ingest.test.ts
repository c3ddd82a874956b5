import { beforeAll, describe, expect, it } from 'vitest';
import * as progress from '$lib/server/progress';
import {
	actor,
	addOrganisationMember,
	createCourse,
	createOrganisation,
	createUser,
	enrol,
	ownerDb,
	type TestUser
} from './helpers';

let instructor: TestUser;
let learner: TestUser;
let outsider: TestUser;
let course: { id: string; code: string };
let other: { id: string; code: string };

beforeAll(async () => {
	const org = await createOrganisation();
	course = await createCourse(org.id);
	other = await createCourse(org.id);
	instructor = await createUser({ name: 'Instructor' });
	learner = await createUser({ name: 'Learner' });
	outsider = await createUser({ name: 'Outsider' });
	await addOrganisationMember(org.id, learner.id);
	await enrol(course.id, instructor.id, 'instructor');
	await enrol(other.id, instructor.id, 'instructor');
	await enrol(course.id, learner.id);
	await enrol(other.id, learner.id);
	await ownerDb()`update public.users set idnumber = 'S-1001' where id = ${learner.id}`;
	const staff = actor(instructor);
	await progress.createActivity(staff, course.id, { title: 'Quiz 1', idnumber: 'quiz-1' });
	await progress.createActivity(staff, course.id, { title: 'Essay', idnumber: 'essay' });
	await progress.createActivity(staff, other.id, { title: 'Essay (other)', idnumber: 'essay' });
});

async function completionOf(idnumber: string, courseId = course.id) {
	const [row] = await ownerDb()`
		select c.completed_at, c.score::float8 as score, c.source from public.completions c
		join public.activities a on a.id = c.activity_id
		where a.idnumber = ${idnumber} and a.course_id = ${courseId} and c.user_id = ${learner.id}`;
	return row ?? null;
}

describe('ingesting statements from another system', () => {
	it('applies completions and scores by email or idnumber, and a repeated statement changes nothing', async () => {
		const staff = actor(instructor);
		const first = await progress.ingest(staff, {
			statements: [
				{
					id: 'lms-1',
					actor: { email: learner.email.toUpperCase() },
					activity: { idnumber: 'quiz-1' },
					verb: 'scored',
					score: 72,
					timestamp: '2026-10-01T10:00:00Z'
				},
				{
					id: 'lms-2',
					actor: { idnumber: 'S-1001' },
					activity: { idnumber: 'quiz-1' },
					verb: 'completed',
					timestamp: '2026-10-01T10:05:00Z'
				}
			]
		});
		expect(first).toMatchObject({ applied: 2, duplicates: 0, rejected: 0 });
		expect(await completionOf('quiz-1')).toEqual({
			completed_at: new Date('2026-10-01T10:05:00Z'),
			score: 72,
			source: 'ingest'
		});

		// The same statements again, one of them twice in the batch, and an older score.
		const again = await progress.ingest(staff, {
			statements: [
				{
					id: 'lms-1',
					actor: { email: learner.email },
					activity: { idnumber: 'quiz-1' },
					verb: 'scored',
					score: 10
				},
				{
					id: 'lms-2',
					actor: { idnumber: 'S-1001' },
					activity: { idnumber: 'quiz-1' },
					verb: 'completed'
				},
				{
					id: 'lms-3',
					actor: { idnumber: 'S-1001' },
					activity: { idnumber: 'quiz-1' },
					verb: 'scored',
					score: 5,
					timestamp: '2026-09-01T00:00:00Z'
				},
				{
					id: 'lms-3',
					actor: { idnumber: 'S-1001' },
					activity: { idnumber: 'quiz-1' },
					verb: 'scored',
					score: 5,
					timestamp: '2026-09-01T00:00:00Z'
				}
			]
		});
		expect(again.results.map((r) => r.status)).toEqual([
			'duplicate',
			'duplicate',
			'applied',
			'duplicate'
		]);
		// An older score does not replace a newer one; the first completion time stays.
		expect(await completionOf('quiz-1')).toMatchObject({
			score: 72,
			completed_at: new Date('2026-10-01T10:05:00Z')
		});
		const audited = await ownerDb()`
			select via from public.audit_events where action like 'completions.%' and course_id = ${course.id}`;
		expect(audited.every((row) => row.via === 'api')).toBe(true);
		expect(audited.length).toBeGreaterThan(0);
	});

	it('rejects malformed and unresolvable statements one by one, and applies the rest', async () => {
		const staff = actor(instructor);
		const before = await ownerDb()`select count(*)::int as n from public.completions`;
		const report = await progress.ingest(staff, {
			statements: [
				null,
				'completed',
				{ id: 'x1', actor: {}, activity: { idnumber: 'quiz-1' }, verb: 'completed' },
				{
					id: 'x2',
					actor: { email: 'not an email' },
					activity: { idnumber: 'quiz-1' },
					verb: 'completed'
				},
				{
					id: 'x3',
					actor: { email: learner.email },
					activity: { idnumber: 'quiz-1' },
					verb: 'passed'
				},
				{
					id: 'x4',
					actor: { email: learner.email },
					activity: { idnumber: 'quiz-1' },
					verb: 'scored'
				},
				{
					id: 'x5',
					actor: { email: learner.email },
					activity: { idnumber: 'nope' },
					verb: 'completed'
				},
				{
					id: 'x6',
					actor: { email: outsider.email },
					activity: { idnumber: 'quiz-1' },
					verb: 'completed'
				},
				{
					id: 'x7',
					actor: { email: learner.email },
					activity: { idnumber: 'essay' },
					verb: 'completed'
				},
				{
					id: 'x8',
					actor: { email: learner.email },
					activity: { idnumber: 'quiz-1' },
					verb: 'completed',
					timestamp: '2999-01-01T00:00:00Z'
				},
				{
					id: 'x9',
					actor: { email: learner.email },
					activity: { idnumber: 'quiz-1' },
					verb: 'scored',
					score: 1e9
				},
				{
					id: '',
					actor: { email: learner.email },
					activity: { idnumber: 'quiz-1' },
					verb: 'completed'
				},
				{
					id: 'x\u0000',
					actor: { email: learner.email },
					activity: { idnumber: 'quiz-1' },
					verb: 'completed'
				},
				{
					id: 'ok-1',
					actor: { email: learner.email },
					activity: { idnumber: 'essay', course: course.code },
					verb: 'completed'
				}
			]
		});
		expect(report.results.map((r) => r.status)).toEqual([...Array(13).fill('rejected'), 'applied']);
		expect(report).toMatchObject({ applied: 1, rejected: 13 });
		for (const result of report.results.slice(0, 13)) expect(result.message).toBeTruthy();
		expect(report.results[6].message).toMatch(/No activity/);
		expect(report.results[7].message).toMatch(/Nobody/);
		expect(report.results[8].message).toMatch(/name the course/);
		expect(report.results[9].message).toMatch(/future/);
		const after = await ownerDb()`select count(*)::int as n from public.completions`;
		expect(after[0].n).toBe(before[0].n + 1);
		expect(await completionOf('essay')).toMatchObject({ source: 'ingest' });
		expect(await completionOf('essay', other.id)).toBeNull();
	});

	it('refuses a batch that is not a list, is empty or too long, and callers who are not staff', async () => {
		const staff = actor(instructor);
		for (const body of [{}, { statements: 'x' }, { statements: [] }, [], null]) {
			await expect(progress.ingest(staff, body)).rejects.toMatchObject({ status: 400 });
		}
		const many = Array.from({ length: 1001 }, (_, i) => ({
			id: `m-${i}`,
			actor: { email: learner.email },
			activity: { idnumber: 'quiz-1' },
			verb: 'completed'
		}));
		await expect(progress.ingest(staff, { statements: many })).rejects.toMatchObject({
			status: 400
		});
		const report = await progress.ingest(actor(learner), {
			statements: [
				{
					id: 'self-1',
					actor: { email: learner.email },
					activity: { idnumber: 'quiz-1' },
					verb: 'scored',
					score: 100
				}
			]
		});
		expect(report).toMatchObject({ applied: 0, rejected: 1 });
		expect(report.results[0].message).toMatch(/No activity/);
	});
});
