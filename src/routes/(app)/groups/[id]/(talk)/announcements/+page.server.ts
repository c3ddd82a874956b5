import * as announcements from '$lib/server/announcements';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import { DEFAULT_TIME_ZONE, localInputToIso } from '$lib/time';
import type { Actions, PageServerLoad } from './$types';

/**
 * The feed: pinned first, then newest. Opening it marks what it shows as seen (as opening an
 * email marks it read); leaders see "seen by N of M" on the ones they may manage.
 */
export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { group } = await event.parent();
	const before = event.url.searchParams.get('before') ?? undefined;
	const feed = await orErrorPage(announcements.list(user, group.id, { before }));
	const [seenBy] = await Promise.all([
		Promise.all(
			feed.items
				.filter((item) => item.canManage && !item.scheduled)
				.map(async (item) => {
					const { seen, audience } = await announcements.seenBy(user, item.id);
					return [item.id, { seen, audience }] as const;
				})
		),
		markSeen(
			user,
			feed.items.filter((item) => !item.seen && !item.scheduled).map((item) => item.id)
		)
	]);
	return { feed, seenBy: Object.fromEntries(seenBy), before: before ?? null };
};

function markSeen(user: Parameters<typeof announcements.markSeen>[0], ids: string[]) {
	return ids.length ? announcements.markSeen(user, ids) : Promise.resolve({ marked: 0 });
}

/** A datetime-local value, in the poster's time zone (Settings). */
function publishAtFrom(local: string, user: { timeZone?: string | null }): string {
	return localInputToIso(local, user.timeZone ?? DEFAULT_TIME_ZONE);
}

export const actions: Actions = {
	post: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const values = formValues(data, ['title', 'body', 'publishAt', 'includeSubgroups', 'pinned']);
		try {
			const created = await announcements.create(
				user,
				event.params.id,
				{
					title: values.title,
					body: values.body,
					includeSubgroups: values.includeSubgroups,
					pinned: values.pinned,
					publishAt: publishAtFrom(values.publishAt, user)
				},
				'app',
				{ origin: event.url.origin }
			);
			return {
				form: 'post',
				success: created.scheduled ? `Scheduled “${created.title}”.` : `Posted “${created.title}”.`,
				scheduledFor: created.scheduled ? created.publishAt : null
			};
		} catch (error) {
			return formFailure(error, values, 'post');
		}
	},
	pin: async (event) => {
		const user = requireUser(event);
		const { id, pinned } = formValues(await event.request.formData(), ['id', 'pinned']);
		try {
			await announcements.setPinned(user, id, { pinned });
		} catch (error) {
			return formFailure(error, {}, 'item');
		}
		return { form: 'item', success: pinned === 'true' ? 'Pinned.' : 'Unpinned.' };
	},
	edit: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), [
			'id',
			'title',
			'body',
			'publishAt',
			'timezoneOffset'
		]);
		try {
			const edited = await announcements.edit(
				user,
				values.id,
				{
					title: values.title,
					body: values.body,
					...(values.publishAt ? { publishAt: publishAtFrom(values.publishAt, user) } : {})
				},
				'app',
				{ origin: event.url.origin }
			);
			return {
				form: 'item',
				success: edited.scheduled
					? `Saved “${edited.title}”. It goes out at the time shown.`
					: `Saved “${edited.title}”.`
			};
		} catch (error) {
			return formFailure(error, {}, 'item');
		}
	},
	remove: async (event) => {
		const user = requireUser(event);
		const { id } = formValues(await event.request.formData(), ['id']);
		try {
			await announcements.remove(user, id);
		} catch (error) {
			return formFailure(error, {}, 'item');
		}
		return { form: 'item', success: 'Deleted the announcement.' };
	}
};
