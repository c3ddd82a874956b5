import * as resources from '$lib/server/resources';
import { formFailure, formValues } from '$lib/server/forms';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { Actions, PageServerLoad } from './$types';

/** The group's library; files are uploaded to ./upload (streamed), links through ?/link. */
export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	// Read again when the group's library changes live (resources:changed over the socket).
	event.depends('app:resources');
	const { group } = await event.parent();
	const params = event.url.searchParams;
	const filters = {
		folder: params.get('folder') ?? undefined,
		tag: params.get('tag') || undefined,
		search: params.get('search') ?? ''
	};
	const library = await orErrorPage(resources.list(user, group.id, filters));
	return {
		library,
		filters,
		// The upload route answers a browser without JavaScript by coming back here.
		uploaded: params.get('uploaded'),
		uploadError: params.get('error')
	};
};

export const actions: Actions = {
	link: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), [
			'title',
			'url',
			'description',
			'folder',
			'tags'
		]);
		try {
			const link = await resources.createLink(user, event.params.id, values);
			return { form: 'link', success: `Shared the link “${link.title}”.` };
		} catch (error) {
			return formFailure(error, values, 'link');
		}
	},
	remove: async (event) => {
		const user = requireUser(event);
		const { id, title } = formValues(await event.request.formData(), ['id', 'title']);
		try {
			await resources.remove(user, id);
		} catch (error) {
			return formFailure(error, {}, 'item');
		}
		return { form: 'item', success: `Deleted “${title}”.` };
	}
};
