/**
 * The bin: deleting a grouping puts it and its groups there for 30 days (the rule and what it
 * hides are in supabase/schemas/07_course_groups.sql, "The bin"); course managers restore a set
 * with its members or delete it for good, and a daily job purges what is older.
 */
import { requireAccess } from '$lib/server/access';
import {
	asService,
	isPgError,
	PG,
	readAs,
	withUser,
	type Actor,
	type Tx,
	type Via
} from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { defineQueue } from '$lib/server/jobs';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/grouping-bin';
import { manageGrouping } from './groupings';
import { translate } from './refusals';

/** How long a binned set waits before the daily job deletes it for good. */
export const BIN_DAYS = 30;

export type BinPreview = {
	/** Groups that go to the bin with the set (and their sub-groups). */
	groupCount: number;
	/** People in them now. */
	memberCount: number;
	/** Groups of the set that stay, because another set holds them too. */
	staying: string[];
};

export type Binned = { binned: true; groupCount: number; memberCount: number; purgeAt: Date };

export type BinnedGrouping = {
	id: string;
	name: string;
	idnumber: string | null;
	deletedAt: Date;
	deletedBy: { id: string; displayName: string } | null;
	purgeAt: Date;
	/** Days left before the purge, a part day counted whole (0: the next daily run takes it). */
	daysLeft: number;
	memberCount: number;
	groups: { id: string; name: string; memberCount: number }[];
};

function refused(error: unknown): never {
	if (isPgError(error, PG.insufficientPrivilege)) throw notFound();
	if (isPgError(error, PG.uniqueViolation) && error.hint === 'name_taken') {
		throw new DomainError(409, 'name_taken', error.message, [
			{ path: 'name', message: 'A live set of this course has this name: choose another.' }
		]);
	}
	translate(error);
}

/** What deleting the grouping would put in the bin, for the confirmation. */
export function binPreview(actor: Actor, groupingId: string): Promise<BinPreview> {
	if (!isUuid(groupingId)) throw notFound();
	return readAs(actor, async (tx) => {
		await manageGrouping(tx, groupingId);
		const [row] = await tx<BinPreview[]>`
			select group_count as "groupCount", member_count as "memberCount", staying
			from private.grouping_bin_preview(${groupingId})`;
		return row;
	});
}

/** Deletes a grouping into the bin with its groups; their members come back on restore. */
export async function deleteGrouping(
	actor: Actor,
	groupingId: string,
	via: Via = 'app'
): Promise<Binned> {
	if (!isUuid(groupingId)) throw notFound();
	try {
		return await withUser(
			actor,
			async (tx) => {
				await manageGrouping(tx, groupingId);
				const [row] = await tx<{ groupCount: number; memberCount: number }[]>`
					select group_count as "groupCount", member_count as "memberCount"
					from private.bin_grouping(${groupingId})`;
				const purgeAt = new Date(Date.now() + BIN_DAYS * 86_400_000);
				return { binned: true as const, ...row, purgeAt };
			},
			via
		);
	} catch (error) {
		refused(error);
	}
}

async function manageCourse(tx: Tx, courseId: string) {
	if (!isUuid(courseId)) throw notFound();
	await requireAccess(tx, 'course.manage', courseId);
}

/** The course's bin, newest first (course managers). */
export function listBin(actor: Actor, courseId: string): Promise<BinnedGrouping[]> {
	return readAs(actor, async (tx) => {
		await manageCourse(tx, courseId);
		const rows = await tx<
			(Omit<BinnedGrouping, 'deletedBy' | 'daysLeft'> & {
				deletedById: string | null;
				deletedByName: string | null;
			})[]
		>`
			select id, name, idnumber, deleted_at as "deletedAt", deleted_by as "deletedById",
			       deleted_by_name as "deletedByName", purge_at as "purgeAt",
			       member_count as "memberCount", groups
			from private.course_bin(${courseId})`;
		const now = Date.now();
		return rows.map(({ deletedById, deletedByName, ...row }) => ({
			...row,
			deletedBy: deletedById ? { id: deletedById, displayName: deletedByName ?? '' } : null,
			daysLeft: Math.max(0, Math.ceil((row.purgeAt.getTime() - now) / 86_400_000))
		}));
	});
}

/**
 * Brings a binned grouping back with its groups and their members, under a new name if given.
 * Refused (409 name_taken) while a live set of the course has the name.
 */
export async function restoreGrouping(
	actor: Actor,
	courseId: string,
	groupingId: string,
	input: unknown = {},
	via: Via = 'app'
): Promise<{ restored: true; name: string; groupCount: number; memberCount: number }> {
	const data = parse(schemas.groupingRestore, input ?? {});
	if (!isUuid(groupingId)) throw notFound();
	try {
		return await withUser(
			actor,
			async (tx) => {
				await manageCourse(tx, courseId);
				const [row] = await tx<{ name: string; groupCount: number; memberCount: number }[]>`
					select name, group_count as "groupCount", member_count as "memberCount"
					from private.restore_grouping(${courseId}, ${groupingId}, ${data.name || null})`;
				return { restored: true as const, ...row };
			},
			via
		);
	} catch (error) {
		refused(error);
	}
}

/** Deletes a binned grouping and its binned groups for good ("Delete now"). */
export async function purgeGrouping(
	actor: Actor,
	courseId: string,
	groupingId: string,
	via: Via = 'app'
): Promise<{ purged: true; groupCount: number }> {
	if (!isUuid(groupingId)) throw notFound();
	try {
		return await withUser(
			actor,
			async (tx) => {
				await manageCourse(tx, courseId);
				const [{ n }] = await tx<{ n: number }[]>`
					select private.purge_grouping(${courseId}, ${groupingId}) as n`;
				return { purged: true as const, groupCount: n };
			},
			via
		);
	} catch (error) {
		refused(error);
	}
}

/** The daily purge: bins older than `BIN_DAYS` (system work). Answers how many sets went. */
export function purgeExpiredBins(olderThanDays = BIN_DAYS): Promise<number> {
	return asService(async (tx) => {
		const [{ n }] = await tx<{ n: number }[]>`
			select private.purge_expired_bins(make_interval(days => ${olderThanDays})) as n`;
		return n;
	});
}

export const binPurgeQueue = defineQueue<Record<string, never>>({
	name: 'grouping-bin-purge',
	retryLimit: 2
});
