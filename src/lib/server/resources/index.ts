import * as v from 'valibot';
import { Readable } from 'node:stream';
import { requireAccess, requireSignedIn } from '$lib/server/access';
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
import { defineQueue } from '$lib/server/jobs/boss';
import { emitToGroup } from '$lib/server/realtime/emit';
import { DomainError, notFound } from '$lib/server/errors';
import { isUuid, parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/resources';
import { BlobNotFoundError, blobStore } from './blob-store';
import { attachmentDisposition, PREVIEWABLE } from '$lib/files/sniff';
import { formatMb, maxUploadBytes, MB, receive, type UploadInput } from './receive';

export { attachmentDisposition } from '$lib/files/sniff';

export type Resource = {
	id: string;
	groupId: string;
	kind: 'link' | 'file';
	title: string;
	description: string;
	url: string | null;
	folder: string;
	tags: string[];
	filename: string | null;
	contentType: string | null;
	size: number | null;
	/** A raster image the browser may show inline (an <img> of the download URL). */
	previewable: boolean;
	addedBy: { id: string; displayName: string } | null;
	createdAt: Date;
	/** Whether the viewer may edit and delete it (they shared it, or moderate the group). */
	canRemove: boolean;
};

export type Library = {
	items: Resource[];
	folders: { name: string; count: number }[];
	tags: { name: string; count: number }[];
	storage: { usedBytes: number; quotaBytes: number };
	maxUploadBytes: number;
	canModerate: boolean;
};

export { maxUploadBytes, type UploadInput } from './receive';

/** The quota of a group with no storage row yet (the column's default). */
const DEFAULT_QUOTA_BYTES = 1024 * MB;

/** `groupId`: the one group all rows come from, when known (its moderation is then read once). */
const columns = (tx: Tx, groupId?: string) => tx`
	r.id, r.group_id as "groupId", r.kind, r.title, r.description, r.url, r.folder, r.tags,
	r.filename, r.content_type as "contentType", r.size_bytes::float8 as size,
	r.created_at as "createdAt",
	case when u.id is null then null else json_build_object('id', u.id, 'displayName', u.display_name) end as "addedBy",
	(r.added_by = (select auth.uid())
	 or r.group_id = any((select public.may_moderate_groups(array[${groupId ?? tx`r.group_id`}::uuid]))::uuid[])) as "canRemove"`;

type Row = Omit<Resource, 'previewable'>;
const withPreview = (row: Row): Resource => ({
	...row,
	previewable: row.kind === 'file' && PREVIEWABLE.has(row.contentType ?? '')
});

function translateWriteError(error: unknown): never {
	if (isPgError(error, PG.checkViolation) && error.hint === 'quota_exceeded') {
		throw new DomainError(413, 'quota_exceeded', error.message);
	}
	if (isPgError(error, PG.insufficientPrivilege) || isPgError(error, PG.foreignKeyViolation)) {
		throw notFound();
	}
	throw error;
}

/** Tells the group's open pages that its library changed (ids only; they read it back as themselves). */
function told<T extends { id: string; groupId: string }>(
	resource: T,
	change: 'added' | 'updated' | 'removed'
): T {
	emitToGroup(resource.groupId, 'resources:changed', {
		groupId: resource.groupId,
		resourceId: resource.id,
		change
	});
	return resource;
}

/** The group's library: its resources (filtered by folder, tag or a search), folders, tags, storage. */
export async function list(actor: Actor, groupId: string, query: unknown = {}): Promise<Library> {
	const filter = parse(schemas.resourceQuery, query);
	requireSignedIn(actor);
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'group.read', groupId);
		const search = filter.search.trim();
		const pattern = `%${search.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
		const [items, folders, tags, [storage], [moderation]] = await Promise.all([
			tx<Row[]>`
				select ${columns(tx, groupId)}
				from public.resources r left join public.users u on u.id = r.added_by
				where r.group_id = ${groupId}
				  ${filter.folder === undefined ? tx`` : tx`and r.folder = ${filter.folder}`}
				  ${filter.tag ? tx`and ${filter.tag} = any(r.tags)` : tx``}
				  ${search ? tx`and (r.title ilike ${pattern} or r.description ilike ${pattern} or r.filename ilike ${pattern})` : tx``}
				order by r.folder, r.created_at desc`,
			tx<{ name: string; count: number }[]>`
				select folder as name, count(*)::int as count from public.resources
				where group_id = ${groupId} group by folder order by folder`,
			tx<{ name: string; count: number }[]>`
				select tag as name, count(*)::int as count
				from public.resources, unnest(tags) as tag
				where group_id = ${groupId} group by tag order by tag`,
			tx<{ usedBytes: number; quotaBytes: number }[]>`
				select used_bytes::float8 as "usedBytes", quota_bytes::float8 as "quotaBytes"
				from public.group_storage where group_id = ${groupId}`,
			tx<{ canModerate: boolean }[]>`
				select ${groupId}::uuid = any(public.may_moderate_groups(array[${groupId}::uuid])) as "canModerate"`
		]);
		return {
			items: items.map(withPreview),
			folders,
			tags,
			storage: storage ?? { usedBytes: 0, quotaBytes: DEFAULT_QUOTA_BYTES },
			maxUploadBytes: maxUploadBytes(),
			canModerate: moderation.canModerate
		};
	});
}

/** One resource the viewer may read. */
export async function get(actor: Actor, resourceId: string): Promise<Resource> {
	return readAs(actor, async (tx) => {
		const [row] = await tx<Row[]>`
			select ${columns(tx)} from public.resources r left join public.users u on u.id = r.added_by
			where r.id = ${resourceId}`;
		if (!row) throw notFound();
		return withPreview(row);
	});
}

async function fetchOne(tx: Tx, resourceId: string): Promise<Resource> {
	const [row] = await tx<Row[]>`
		select ${columns(tx)} from public.resources r left join public.users u on u.id = r.added_by
		where r.id = ${resourceId}`;
	return withPreview(row);
}

/** What one upload may be in this group: the file limit and the storage used and left. */
export async function storage(
	actor: Actor,
	groupId: string
): Promise<Library['storage'] & { remainingBytes: number; maxUploadBytes: number }> {
	requireSignedIn(actor);
	return readAs(actor, async (tx) => {
		await requireAccess(tx, 'group.read', groupId);
		const [row] = await tx<Library['storage'][]>`
			select used_bytes::float8 as "usedBytes", quota_bytes::float8 as "quotaBytes"
			from public.group_storage where group_id = ${groupId}`;
		const used = row ?? { usedBytes: 0, quotaBytes: DEFAULT_QUOTA_BYTES };
		return {
			...used,
			remainingBytes: Math.max(0, used.quotaBytes - used.usedBytes),
			maxUploadBytes: maxUploadBytes()
		};
	});
}

export const quotaInput = v.strictObject({
	quotaBytes: v.pipe(
		v.number('quotaBytes must be a number of bytes.'),
		v.integer('quotaBytes must be a whole number of bytes.'),
		v.minValue(0, 'quotaBytes cannot be negative.'),
		v.maxValue(1024 ** 4, 'quotaBytes is at most 1 TiB.')
	)
});

/**
 * Sets the group's storage quota (admins of its scope). A quota below what the group already
 * uses is allowed: nothing is deleted, new uploads are refused until files are removed.
 */
export async function setQuota(
	actor: Actor,
	groupId: string,
	input: unknown,
	via: Via = 'app'
): Promise<Library['storage']> {
	const { quotaBytes } = parse(quotaInput, input);
	return withUser(
		actor,
		async (tx) => {
			await requireAccess(tx, 'group.manage', groupId);
			const [row] = await tx<Library['storage'][]>`
				insert into public.group_storage (group_id, quota_bytes) values (${groupId}, ${quotaBytes})
				on conflict (group_id) do update set quota_bytes = excluded.quota_bytes
				returning used_bytes::float8 as "usedBytes", quota_bytes::float8 as "quotaBytes"`;
			return row;
		},
		via
	);
}

/** Shares a link with the group. */
export async function createLink(
	actor: Actor,
	groupId: string,
	input: unknown,
	via: Via = 'app'
): Promise<Resource> {
	const data = parse(schemas.linkCreate, input);
	requireSignedIn(actor);
	try {
		return await withUser(
			actor,
			async (tx) => {
				await requireAccess(tx, 'group.read', groupId);
				const [row] = await tx<{ id: string }[]>`
					insert into public.resources (group_id, kind, title, description, url, folder, tags, added_by)
					values (${groupId}, 'link', ${data.title}, ${data.description}, ${data.url}, ${data.folder},
					        ${data.tags}, ${actor!.id})
					returning id`;
				return fetchOne(tx, row.id);
			},
			via
		).then((link) => told(link, 'added'));
	} catch (error) {
		translateWriteError(error);
	}
}

/** Changes a resource's title, description, folder and tags (the sharer, moderators, admins). */
export async function update(
	actor: Actor,
	resourceId: string,
	input: unknown,
	via: Via = 'app'
): Promise<Resource> {
	const data = parse(schemas.resourceUpdate, input);
	try {
		return await withUser(
			actor,
			async (tx) => {
				const changed = await tx`
					update public.resources
					set title = ${data.title}, description = ${data.description}, folder = ${data.folder}, tags = ${data.tags}
					where id = ${resourceId}`;
				if (changed.count === 0) throw notFound();
				return fetchOne(tx, resourceId);
			},
			via
		).then((resource) => told(resource, 'updated'));
	} catch (error) {
		translateWriteError(error);
	}
}

/**
 * Stores an uploaded file in the group's library (receive.ts checks and stores the bytes): the
 * reader may share in the group, and the file fits in the group's remaining quota.
 */
export async function upload(
	actor: Actor,
	groupId: string,
	input: UploadInput,
	via: Via = 'app'
): Promise<Resource> {
	try {
		return await receive(input, {
			details: (raw) => parse(schemas.fileDetails, raw),
			remaining: () =>
				readAs(actor, async (tx) => {
					await requireAccess(tx, 'group.read', groupId);
					const [row] = await tx<{ remaining: number }[]>`
						select (quota_bytes - used_bytes)::float8 as remaining from public.group_storage
						where group_id = ${groupId}`;
					return row?.remaining ?? DEFAULT_QUOTA_BYTES;
				}),
			key: (id) => `g/${groupId}/${id}`,
			full: (remaining) =>
				new DomainError(
					413,
					'quota_exceeded',
					`The group's file storage is full: ${formatMb(remaining)} left. Delete files the group no longer needs, or ask an admin for more space.`
				),
			record: async (file) => {
				const resource = await withUser(
					actor,
					async (tx) => {
						await tx`
							insert into public.resources (id, group_id, kind, title, description, folder, tags, blob_key,
							                              filename, content_type, size_bytes, added_by)
							values (${file.id}, ${groupId}, 'file', ${file.details.title || file.filename.slice(0, 200)},
							        ${file.details.description}, ${file.details.folder}, ${file.details.tags}, ${file.key},
							        ${file.filename}, ${file.contentType}, ${file.size}, ${actor!.id})`;
						return fetchOne(tx, file.id);
					},
					via
				);
				return told(resource, 'added');
			}
		});
	} catch (error) {
		if (error instanceof DomainError) throw error;
		return translateWriteError(error);
	}
}

export type Download = {
	resource: Resource;
	body: Readable;
	headers: Record<string, string>;
};

/**
 * A file for download, after RLS has said the viewer may read its group (and, with `groupId`,
 * that it is that group's). Always an attachment,
 * with the type found at upload, nosniff, and a sandbox CSP in case a browser renders it anyway.
 */
export async function open(
	actor: Actor,
	resourceId: string,
	{ groupId }: { groupId?: string } = {}
): Promise<Download> {
	requireSignedIn(actor);
	const [row] = await readAs(
		actor,
		(tx) =>
			tx<(Row & { blobKey: string })[]>`
			select ${columns(tx)}, r.blob_key as "blobKey"
			from public.resources r left join public.users u on u.id = r.added_by
			where r.id = ${resourceId} and r.kind = 'file'`
	);
	// A URL naming another group than the file's finds nothing, even for a reader of both.
	if (!row || (groupId !== undefined && row.groupId !== groupId)) throw notFound();
	const { blobKey, ...resource } = row;
	let body: Readable;
	try {
		body = await (await blobStore()).get(blobKey);
	} catch (error) {
		if (error instanceof BlobNotFoundError) throw notFound();
		throw error;
	}
	return {
		resource: withPreview(resource),
		body,
		headers: downloadHeaders(resource.filename!, resource.contentType!, resource.size!)
	};
}

/**
 * A stored file's download headers: always an attachment, with the type found at upload, nosniff,
 * and a sandbox CSP in case a browser renders it anyway.
 */
export function downloadHeaders(
	filename: string,
	contentType: string,
	size: number
): Record<string, string> {
	return {
		'content-type': contentType.startsWith('text/') ? `${contentType}; charset=utf-8` : contentType,
		'content-length': String(size),
		'content-disposition': attachmentDisposition(filename),
		'x-content-type-options': 'nosniff',
		'content-security-policy': "default-src 'none'; sandbox",
		'cross-origin-resource-policy': 'same-origin',
		'cache-control': 'private, no-store'
	};
}

/** Removes a resource (the sharer, moderators, admins), then its bytes. */
export async function remove(actor: Actor, resourceId: string, via: Via = 'app'): Promise<void> {
	if (!isUuid(resourceId)) throw notFound();
	const [row] = await withUser(
		actor,
		(tx) => tx<{ blobKey: string | null; groupId: string }[]>`
			delete from public.resources where id = ${resourceId}
			returning blob_key as "blobKey", group_id as "groupId"`,
		via
	).catch((error) => translateWriteError(error));
	if (!row) throw notFound();
	told({ id: resourceId, groupId: row.groupId }, 'removed');
	// The delete queued the key (private.blob_deletions); if this fails, the cleanup job retries.
	if (row.blobKey) await deleteBlobs([row.blobKey]).catch(() => {});
}

/** Deletes queued blobs, then their queue entries; a blob that cannot be deleted stays queued. */
async function deleteBlobs(keys: string[]): Promise<number> {
	const store = await blobStore();
	const done: string[] = [];
	for (const key of keys) {
		try {
			await store.delete(key);
			done.push(key);
		} catch (error) {
			console.error(`Could not remove blob ${key}; it stays queued`, error);
		}
	}
	if (done.length) {
		await asService((tx) => tx`delete from private.blob_deletions where blob_key = any(${done})`);
	}
	return done.length;
}

/** The cleanup job: removes the bytes of files whose rows are gone (a deleted group's library). */
export async function removeQueuedBlobs(limit = 500): Promise<number> {
	const rows = await asService(
		(tx) => tx<{ blobKey: string }[]>`
			select blob_key as "blobKey" from private.blob_deletions order by queued_at limit ${limit}`
	);
	return rows.length ? deleteBlobs(rows.map((row) => row.blobKey)) : 0;
}

/** Minutely: bytes of deleted files that are still in the blob store. */
export const blobCleanupQueue = defineQueue<object>({ name: 'blob-cleanup', policy: 'singleton' });

/** A download as a web Response (routes share it). */
export function downloadResponse(download: Pick<Download, 'body' | 'headers'>): Response {
	return new Response(Readable.toWeb(download.body) as ReadableStream, {
		headers: download.headers
	});
}
